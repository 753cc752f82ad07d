package io.dfly.it.p2p;

import io.dfly.core.config.HostPort;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadResult;
import io.dfly.engine.P2PEngine;
import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.OriginServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.dfly.it.p2p.EngineFixture.await;
import static io.dfly.it.p2p.EngineFixture.engine;
import static io.dfly.it.p2p.EngineFixture.request;
import static io.dfly.it.p2p.EngineFixture.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A herd: three engines start the same download at the same moment while the supernode's copy is
 * still trickling in from a throttled origin. With super-seeding the supernode sends each new piece
 * to one peer and the others take it from that peer, so the peers trade a large share of the file.
 */
class HerdTradeTest {
    private static final long MIB = 1L << 20;
    @TempDir
    static Path tmp;
    private static DflyNode supernode;
    private static OriginServer origin;
    private static List<HostPort> supernodes;

    @BeforeAll
    static void start() {
        origin = new OriginServer();
        supernode = DflyNode.supernode(Map.of()).start();
        supernodes = List.of(EngineFixture.hostPort(supernode.hostPort()));
    }

    @AfterAll
    static void stop() {
        if (supernode != null) {
            supernode.stop();
        }
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    void threePeersStartedTogetherTradePiecesInsteadOfAllTakingThemFromTheSupernode() throws Exception {
        long size = 120 * MIB;
        String url = origin.serveRandom("/files/herd.bin", tmp, size);
        String want = sha256(tmp.resolve("_files_herd.bin"));
        origin.throttle(40 * MIB);
        List<P2PEngine> engines = new ArrayList<>();
        try {
            for (String name : List.of("herd-a", "herd-b", "herd-c")) {
                engines.add(engine(tmp.resolve(name), name, supernodes));
            }
            List<DownloadHandle> handles = new ArrayList<>();
            for (P2PEngine e : engines) {
                handles.add(e.start(request(url, true)));
            }
            long fromPeers = 0;
            for (DownloadHandle h : handles) {
                DownloadResult r = await(h);
                assertEquals(want, sha256(r.file()), "byte-identical to the origin");
                assertEquals(size, r.length());
                assertTrue(!r.fellBack(), "P2P, not the origin");
                fromPeers += r.progress().fromPeers();
            }
            assertEquals(1, origin.getCount("/files/herd.bin"), "the origin served the file once");
            long downloaded = 3 * size;
            System.out.printf("herd: %d of %d bytes downloaded came from peers (%.0f%%)%n", fromPeers, downloaded,
                    100.0 * fromPeers / downloaded);
            // super-seeding's ideal is 2/3 from peers (the supernode sends each piece once); a third is
            // far from the "nothing traded" of a herd where every peer takes every piece from the seed
            assertTrue(fromPeers * 3 >= downloaded,
                    "bytes from peers " + fromPeers + " of " + downloaded + " downloaded in all");
            long uploaded = engines.stream().mapToLong(e -> e.metrics().bytesUploaded()).sum();
            assertTrue(uploaded >= fromPeers, "bytes from peers " + fromPeers + ", uploaded " + uploaded);
        } finally {
            origin.throttle(0);
            engines.forEach(P2PEngine::close);
        }
    }
}
