package io.dfly.supernode.cluster;

import com.hazelcast.map.IMap;
import io.dfly.supernode.preheat.PreheatRecord;
import io.dfly.supernode.preheat.PreheatStore;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Preheat jobs in a Hazelcast map, and their open-API numbers in a second one (number → job id). */
public final class HazelcastPreheatStore implements PreheatStore {
    private final IMap<String, PreheatRecord> map;
    private final IMap<Long, String> numbers;

    public HazelcastPreheatStore(IMap<String, PreheatRecord> map, IMap<Long, String> numbers) {
        this.map = map;
        this.numbers = numbers;
    }

    @Override
    public Optional<PreheatRecord> get(String id) {
        return Optional.ofNullable(map.get(id));
    }

    @Override
    public Optional<PreheatRecord> byNumber(long number) {
        String id = numbers.get(number);
        return id == null ? Optional.empty() : get(id).filter(r -> r.number() == number);
    }

    @Override
    public Optional<PreheatRecord> putIfAbsent(PreheatRecord record) {
        PreheatRecord old = map.putIfAbsent(record.id(), record);
        if (old == null && record.number() != 0) {
            numbers.set(record.number(), record.id());
        }
        return Optional.ofNullable(old);
    }

    @Override
    public void put(PreheatRecord record) {
        map.set(record.id(), record);
        if (record.number() != 0) {
            numbers.set(record.number(), record.id());
        }
    }

    @Override
    public void remove(String id) {
        PreheatRecord old = map.remove(id);
        if (old != null) {
            numbers.delete(old.number());
        }
    }

    @Override
    public Collection<PreheatRecord> all() {
        return List.copyOf(map.values());
    }

    @Override
    public int size() {
        return map.size();
    }
}
