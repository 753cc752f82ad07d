package io.dfly.supernode.preheat;

import java.util.Collection;
import java.util.Optional;

/** Where preheat jobs live (a Hazelcast map in the WAR, any member can answer about any job). */
public interface PreheatStore {
    Optional<PreheatRecord> get(String id);

    /** The job with this open-API number (see {@link PreheatRecord#number}), if it is still kept. */
    Optional<PreheatRecord> byNumber(long number);

    /** Stores the job unless one with the id exists; returns the existing one, if any. */
    Optional<PreheatRecord> putIfAbsent(PreheatRecord record);

    /** Stores the job (and indexes its number, when it has one). */
    void put(PreheatRecord record);

    /** Forgets the job and its number. */
    void remove(String id);

    /** Every job (at most {@link PreheatService#MAX_RECORDS} or so: the service keeps it bounded). */
    Collection<PreheatRecord> all();

    int size();
}
