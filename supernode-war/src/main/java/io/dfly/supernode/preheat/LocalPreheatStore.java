package io.dfly.supernode.preheat;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Preheat jobs in one JVM (tests). */
public final class LocalPreheatStore implements PreheatStore {
    private final Map<String, PreheatRecord> jobs = new ConcurrentHashMap<>();

    @Override
    public Optional<PreheatRecord> get(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    @Override
    public Optional<PreheatRecord> putIfAbsent(PreheatRecord record) {
        return Optional.ofNullable(jobs.putIfAbsent(record.id(), record));
    }

    @Override
    public void put(PreheatRecord record) {
        jobs.put(record.id(), record);
    }

    @Override
    public void remove(String id) {
        jobs.remove(id);
    }

    @Override
    public Collection<PreheatRecord> all() {
        return List.copyOf(jobs.values());
    }

    @Override
    public int size() {
        return jobs.size();
    }
}
