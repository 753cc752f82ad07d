package io.dfly.supernode.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.instance.impl.DefaultNodeContext;
import com.hazelcast.instance.impl.DefaultNodeExtension;
import com.hazelcast.instance.impl.HazelcastInstanceFactory;
import com.hazelcast.instance.impl.Node;
import com.hazelcast.instance.impl.NodeExtension;
import com.hazelcast.nio.MemberSocketInterceptor;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * Who may be a member: every member connection, in both directions, passes this guard before a single
 * Hazelcast byte is exchanged. The accepting side first checks that the connection comes from an address of
 * {@code dfly.supernode.cluster.members} (or this member), then both sides prove they hold the cluster secret
 * by a mutual HMAC challenge-response (fresh nonces; the key is derived from the secret and never sent).
 * A stranger on the cluster network — without the secret, or from an unlisted address — is cut off at
 * connect time and never sees the grid.
 *
 * <p>Open-source Hazelcast has no member authentication; it does call a {@link MemberSocketInterceptor} on
 * every member connection when the node extension provides one. This class supplies it through Hazelcast's
 * node-context hook ({@code HazelcastInstanceFactory.newHazelcastInstance(config, name, nodeContext)}):
 * internal API of the Hazelcast 5.3 that Payara Micro 6 bundles, tested by {@code ClusterMemberTest} and the
 * process test {@code TrustBoundaryTest}; a Hazelcast upgrade must keep those green.
 */
final class MemberGuard implements MemberSocketInterceptor {
    private static final Logger LOG = Logger.getLogger(MemberGuard.class.getName());
    private static final int NONCE = 32;
    private static final int HANDSHAKE_TIMEOUT_MS = 5000;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A refused source is logged at most once a minute (a stranger retries every second). */
    private static final long LOG_EVERY_MS = 60_000;
    private final byte[] key;
    private final MemberAllowList allowed;
    private final java.util.Map<String, Long> lastLogged = new java.util.concurrent.ConcurrentHashMap<>();

    MemberGuard(byte[] key, MemberAllowList allowed) {
        this.key = key.clone();
        this.allowed = allowed;
    }

    /** Starts a member whose connections all pass this guard ({@code config} must enable the interceptor). */
    HazelcastInstance start(Config config) {
        return HazelcastInstanceFactory.newHazelcastInstance(config, config.getInstanceName(), new GuardedContext(this));
    }

    @Override
    public void init(Properties properties) {
        // configured in code
    }

    /** The accepting side: an allowed address, then the connector proves the secret, then we prove it. */
    @Override
    public void onAccept(Socket s) throws IOException {
        if (!allowed.allowsSource(s.getInetAddress())) {
            warnOnce(s, "not in " + io.dfly.supernode.config.SupernodeSettings.CLUSTER_MEMBERS);
            throw new IOException("member connection from " + s.getInetAddress().getHostAddress() + " not allowed");
        }
        withTimeout(s, () -> {
            byte[] challenge = nonce();
            OutputStream out = s.getOutputStream();
            out.write(challenge);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] proof = readFully(in, NONCE);
            byte[] theirs = readFully(in, NONCE);
            if (!MessageDigest.isEqual(proof, mac("connector", challenge))) {
                warnOnce(s, "it does not hold the cluster secret (" + io.dfly.core.security.ClusterSecret.PROPERTY + ")");
                throw new IOException("member handshake failed: no proof of the cluster secret");
            }
            out.write(mac("acceptor", theirs));
            out.flush();
        });
    }

    /** The connecting side: answer the challenge, then check the acceptor's answer to ours. */
    @Override
    public void onConnect(Socket s) throws IOException {
        withTimeout(s, () -> {
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] challenge = readFully(in, NONCE);
            byte[] mine = nonce();
            OutputStream out = s.getOutputStream();
            out.write(mac("connector", challenge));
            out.write(mine);
            out.flush();
            if (!MessageDigest.isEqual(readFully(in, NONCE), mac("acceptor", mine))) {
                throw new IOException("member handshake failed: the other side does not hold the cluster secret");
            }
        });
    }

    private void warnOnce(Socket s, String why) {
        String source = s.getInetAddress().getHostAddress();
        long now = System.currentTimeMillis();
        Long last = lastLogged.get(source);
        if (last != null && now - last < LOG_EVERY_MS) {
            return;
        }
        if (lastLogged.size() > 1000) {
            lastLogged.clear(); // bounded: many sources only mean more log lines
        }
        lastLogged.put(source, now);
        LOG.warning(() -> "supernode cluster: refused a member connection from " + source + ": " + why
                + " (logged once a minute per address)");
    }

    private interface Exchange {
        void run() throws IOException;
    }

    private static void withTimeout(Socket s, Exchange exchange) throws IOException {
        int before = s.getSoTimeout();
        s.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
        try {
            exchange.run();
        } finally {
            s.setSoTimeout(before);
        }
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("member handshake cut short");
        }
        return b;
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE];
        RANDOM.nextBytes(n);
        return n;
    }

    private byte[] mac(String role, byte[] nonce) throws IOException {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            m.update(("dfly-member-" + role).getBytes(StandardCharsets.UTF_8));
            return m.doFinal(nonce);
        } catch (GeneralSecurityException e) {
            throw new IOException("no HmacSHA256 in this JDK", e);
        }
    }

    /** Hands Hazelcast a node extension that returns the guard as the member socket interceptor. */
    private static final class GuardedContext extends DefaultNodeContext {
        private final MemberGuard guard;

        GuardedContext(MemberGuard guard) {
            this.guard = guard;
        }

        @Override
        public NodeExtension createNodeExtension(Node node) {
            return new GuardedExtension(node, guard);
        }
    }

    private static final class GuardedExtension extends DefaultNodeExtension {
        private final MemberGuard guard;

        GuardedExtension(Node node, MemberGuard guard) {
            super(node);
            this.guard = guard;
        }

        @Override
        public MemberSocketInterceptor getSocketInterceptor(EndpointQualifier qualifier) {
            return guard;
        }
    }
}
