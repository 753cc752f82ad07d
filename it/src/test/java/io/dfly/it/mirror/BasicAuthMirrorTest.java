package io.dfly.it.mirror;

import io.dfly.it.registry.RegistryServer;

/** Passthrough of htpasswd Basic auth. */
class BasicAuthMirrorTest extends AuthMirrorTestBase {
    @Override
    RegistryServer.Auth mode() {
        return RegistryServer.Auth.BASIC;
    }
}
