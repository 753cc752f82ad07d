package io.dfly.supernode;

import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.OriginPolicy;
import io.dfly.supernode.config.SupernodeSettings;

import java.util.List;

/** The secrets and origin policy unit tests share: test origins on loopback are listed explicitly. */
public final class TestSecrets {
    public static final ClusterSecret SECRET = ClusterSecret.of("unit-test-cluster-secret-0123456789");
    public static final ClusterSecret OTHER_SECRET = ClusterSecret.of("another-cluster-secret-9876543210");
    /** Loopback origins listed, as tests must (spec: tests list their loopback origins). */
    public static final OriginPolicy LOOPBACK_ALLOWED = OriginPolicy.of(SupernodeSettings.ALLOWED_ORIGINS,
            List.of("127.0.0.1", "localhost"));
    /** Nothing listed: internal addresses refused. */
    public static final OriginPolicy NOTHING_LISTED = OriginPolicy.of(SupernodeSettings.ALLOWED_ORIGINS, List.of());

    private TestSecrets() {
    }
}
