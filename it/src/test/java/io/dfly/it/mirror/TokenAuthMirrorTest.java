package io.dfly.it.mirror;

import io.dfly.it.registry.RegistryServer;

/** Passthrough of Bearer token auth (token server in the test sources; containerd logs in with POST). */
class TokenAuthMirrorTest extends AuthMirrorTestBase {
    @Override
    RegistryServer.Auth mode() {
        return RegistryServer.Auth.TOKEN;
    }
}
