package io.dfly.plugin.gc.ttl;

import io.dfly.spi.GcPolicyFactory;
import io.dfly.spi.Plugin;

import java.util.List;

/** Plugin entry: the {@code ttl} GC policy. */
public final class TtlGcPlugin implements Plugin {
    @Override
    public List<GcPolicyFactory> gcPolicyFactories() {
        return List.of(new TtlGcPolicyFactory());
    }
}
