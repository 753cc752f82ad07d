package io.dfly.supernode.preheat;

import java.util.Collection;
import java.util.Optional;

/** Where preheat jobs live (a Hazelcast map in the WAR, any member can answer about any job). */
public interface PreheatStore {
    Optional<PreheatRecord> get(String id);

    /** Stores the job unless one with the id exists; returns the existing one, if any. */
    Optional<PreheatRecord> putIfAbsent(PreheatRecord record);

    void put(PreheatRecord record);

    void remove(String id);

    /** Every job (at most {@link PreheatService#MAX_RECORDS} or so: the service keeps it bounded). */
    Collection<PreheatRecord> all();

    int size();
}
