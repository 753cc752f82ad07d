package io.dfly.supernode.config;

import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.HostTokens;
import io.dfly.core.security.OperatorToken;
import io.dfly.core.security.PieceGrants;
import io.dfly.core.security.SecretBox;

import java.util.function.Consumer;

/**
 * The supernode's two secrets, read once at startup: the cluster secret (host tokens, piece grants, the
 * sealed grid values, the Hazelcast cluster name) and the operator API token. The keys derived from the
 * cluster secret are made once here, not per request.
 */
public final class SupernodeSecrets {
    private final ClusterSecret cluster;
    private final OperatorToken operator;
    private final HostTokens hostTokens;
    private final PieceGrants pieceGrants;
    private final SecretBox gridBox;

    public SupernodeSecrets(ClusterSecret cluster, OperatorToken operator) {
        this.cluster = cluster;
        this.operator = operator;
        this.hostTokens = cluster.hostTokens();
        this.pieceGrants = cluster.pieceGrants();
        this.gridBox = cluster.gridBox();
    }

    /**
     * Reads both files named by the settings; a default file that does not exist is created (mode 0600)
     * and said so through {@code notice}.
     *
     * @param notice what a user must act on (a file created, a file others can read)
     * @throws io.dfly.core.security.SecretFiles.SecretFileException one line naming the file and the fix
     */
    public static SupernodeSecrets load(SupernodeSettings s, Consumer<String> notice) {
        ClusterSecret cluster = ClusterSecret.loadOrCreate(s.clusterSecretFile(), s.clusterSecretFileIsDefault(), notice);
        OperatorToken operator = OperatorToken.loadOrCreate(s.apiTokenFile(), s.apiTokenFileIsDefault(), notice);
        return new SupernodeSecrets(cluster, operator);
    }

    public ClusterSecret cluster() { return cluster; }
    public OperatorToken operator() { return operator; }
    public HostTokens hostTokens() { return hostTokens; }
    public PieceGrants pieceGrants() { return pieceGrants; }
    /** Seals what the cluster keeps in its grid (origin credentials). */
    public SecretBox gridBox() { return gridBox; }

    @Override
    public String toString() {
        return "SupernodeSecrets[" + cluster + ", " + operator + "]";
    }
}
