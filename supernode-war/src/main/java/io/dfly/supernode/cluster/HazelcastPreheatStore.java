package io.dfly.supernode.cluster;

import com.hazelcast.map.IMap;
import io.dfly.supernode.preheat.PreheatRecord;
import io.dfly.supernode.preheat.PreheatStore;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Preheat jobs in a Hazelcast map. */
public final class HazelcastPreheatStore implements PreheatStore {
    private final IMap<String, PreheatRecord> map;

    public HazelcastPreheatStore(IMap<String, PreheatRecord> map) {
        this.map = map;
    }

    @Override
    public Optional<PreheatRecord> get(String id) {
        return Optional.ofNullable(map.get(id));
    }

    @Override
    public Optional<PreheatRecord> putIfAbsent(PreheatRecord record) {
        return Optional.ofNullable(map.putIfAbsent(record.id(), record));
    }

    @Override
    public void put(PreheatRecord record) {
        map.set(record.id(), record);
    }

    @Override
    public void remove(String id) {
        map.delete(id);
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
