package io.dfly.plugin.gc.watermark;

import io.dfly.spi.GcPolicyFactory;
import io.dfly.spi.Plugin;

import java.util.List;

/** Plugin entry: the {@code watermark} GC policy. */
public final class WatermarkGcPlugin implements Plugin {
    @Override
    public List<GcPolicyFactory> gcPolicyFactories() {
        return List.of(new WatermarkGcPolicyFactory());
    }
}
