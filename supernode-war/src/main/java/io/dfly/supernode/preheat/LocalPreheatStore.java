package io.dfly.supernode.preheat;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Preheat jobs in one JVM (tests). */
public final class LocalPreheatStore implements PreheatStore {
    private final Map<String, PreheatRecord> jobs = new ConcurrentHashMap<>();
    private final Map<Long, String> numbers = new ConcurrentHashMap<>();

    @Override
    public Optional<PreheatRecord> get(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    @Override
    public Optional<PreheatRecord> byNumber(long number) {
        String id = numbers.get(number);
        return id == null ? Optional.empty() : get(id).filter(r -> r.number() == number);
    }

    @Override
    public Optional<PreheatRecord> putIfAbsent(PreheatRecord record) {
        PreheatRecord old = jobs.putIfAbsent(record.id(), record);
        if (old == null && record.number() != 0) {
            numbers.put(record.number(), record.id());
        }
        return Optional.ofNullable(old);
    }

    @Override
    public void put(PreheatRecord record) {
        jobs.put(record.id(), record);
        if (record.number() != 0) {
            numbers.put(record.number(), record.id());
        }
    }

    @Override
    public void remove(String id) {
        PreheatRecord old = jobs.remove(id);
        if (old != null) {
            numbers.remove(old.number());
        }
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
