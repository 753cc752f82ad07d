package io.dfly.spi;

/** Creates {@link RegistryBackend}s for the upstream registries this plugin knows. */
public interface RegistryBackendFactory {
    /** Plugin name, e.g. {@code generic}, {@code dockerhub}, {@code harbor}, {@code aliyun}. */
    String name();

    /**
     * Whether this plugin recognises a registry host (e.g. {@code registry-1.docker.io},
     * {@code registry.cn-hangzhou.aliyuncs.com}). The generic plugin answers {@code true} for any
     * host and is asked last.
     */
    boolean handles(String host, PluginSettings settings);

    /**
     * A backend for one upstream registry.
     *
     * @param upstream the upstream as configured or seen, e.g. {@code https://harbor.example.com}
     *                 or a bare host {@code 127.0.0.1:5000} from containerd's {@code ?ns=}
     */
    RegistryBackend create(String upstream, PluginSettings settings);
}
