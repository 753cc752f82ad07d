package io.dfly.spi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RegistryHostsTest {
    @Test
    void dockerHubNamesAndUrlsFoldToDockerIo() {
        assertEquals("docker.io", RegistryHosts.canonical("https://index.docker.io/v1/"));
        assertEquals("docker.io", RegistryHosts.canonical("Registry-1.Docker.io"));
        assertEquals("docker.io", RegistryHosts.canonical("registry.hub.docker.com:443"));
    }

    @Test
    void otherHostsKeepTheirPortButLoseSchemeAndPath() {
        assertEquals("harbor.example.com", RegistryHosts.canonical("https://harbor.example.com:443/v2/"));
        assertEquals("127.0.0.1:5000", RegistryHosts.canonical(" 127.0.0.1:5000 "));
        assertEquals("registry.cn-hangzhou.aliyuncs.com", RegistryHosts.canonical("registry.cn-hangzhou.aliyuncs.com"));
    }
}
