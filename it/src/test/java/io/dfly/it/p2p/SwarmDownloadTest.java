package io.dfly.it.p2p;

import io.dfly.core.config.HostPort;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadResult;
import io.dfly.engine.P2PEngine;
import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.OriginServer;
import io.dfly.it.registry.Procs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
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

/** In-JVM engines (each its own upload port and data dir) with one REAL supernode and a real HTTP origin. */
class SwarmDownloadTest {
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
        Procs.closeAll(supernode, origin);
    }

    @Test
    void threePeersGetIdenticalCopiesTheOriginServesOnceAndPeersExchangePieces() throws Exception {
        long size = 200 * MIB;
        String url = origin.serveRandom("/files/big.bin", tmp, size);
        String want = sha256(tmp.resolve("_files_big.bin"));
        origin.throttle(60 * MIB); // the supernode's copy trickles in, so peers have pieces to trade
        List<P2PEngine> engines = new ArrayList<>();
        try {
            List<DownloadHandle> handles = new ArrayList<>();
            for (String name : List.of("peer-a", "peer-b", "peer-c")) {
                P2PEngine e = engine(tmp.resolve(name), name, supernodes);
                engines.add(e);
                handles.add(e.start(request(url, true)));
                if (handles.size() == 1) {
                    // b and c join while a is mid-way: a's pieces are there to share (all three tailing the
                    // supernode at once would each take the newest piece from it)
                    DownloadHandle first = handles.get(0);
                    long deadline = System.nanoTime() + 120_000_000_000L;
                    while (first.progress().completedBytes() < 40 * MIB && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                }
            }
            long fromPeers = 0;
            for (DownloadHandle h : handles) {
                DownloadResult r = await(h);
                assertEquals(want, sha256(r.file()), "byte-identical to the origin");
                assertEquals(size, r.length());
                assertTrue(!r.fellBack(), "P2P, not the origin");
                fromPeers += r.progress().fromPeers();
            }
            assertEquals(1, origin.getCount("/files/big.bin"), "the origin served the file once");
            assertEquals(size, origin.bytesSent("/files/big.bin"));
            long uploaded = engines.stream().mapToLong(e -> e.metrics().bytesUploaded()).sum();
            assertTrue(uploaded > 0, "peers uploaded pieces to each other");
            assertTrue(fromPeers > 0 && uploaded >= fromPeers, "bytes from peers " + fromPeers + ", uploaded " + uploaded);
            assertEquals(0, engines.stream().mapToLong(e -> e.metrics().fallbacks()).sum());
        } finally {
            origin.throttle(0);
            engines.forEach(P2PEngine::close);
        }
    }

    @Test
    void corruptPiecesFromAPeerAreRejectedAndFetchedElsewhere() throws Exception {
        long size = 40 * MIB; // 10 pieces of 4 MiB
        String url = origin.serveRandom("/files/corrupt.bin", tmp, size);
        String want = sha256(tmp.resolve("_files_corrupt.bin"));
        try (P2PEngine bad = engine(tmp.resolve("bad"), "bad-peer", supernodes);
             P2PEngine good = engine(tmp.resolve("good"), "good-peer", supernodes)) {
            DownloadResult first = await(bad.start(request(url, true)));
            // the bad peer's disk rots: one flipped byte in every piece it holds
            try (RandomAccessFile f = new RandomAccessFile(first.file().toFile(), "rw")) {
                for (long off = 1000; off < size; off += 4 * MIB) {
                    f.seek(off);
                    int b = f.read();
                    f.seek(off);
                    f.write(~b);
                }
            }
            DownloadHandle h = good.start(request(url, true));
            byte[] streamed;
            try (var in = h.openStream()) {
                streamed = in.readAllBytes();
            }
            DownloadResult r = await(h);
            assertEquals(want, sha256(r.file()));
            assertEquals(size, streamed.length);
            assertEquals(want, io.dfly.core.piece.Digests.sha256(streamed), "the consumer never saw a corrupt byte");
            assertTrue(bad.metrics().piecesUploaded() > 0, "the scheduler sent the good peer to the bad one");
            assertTrue(good.metrics().piecesFailed() > 0, "its pieces were rejected");
            assertEquals(size, r.progress().completedBytes());
        }
    }

    /**
     * A herd: three engines start the same download at the same moment while the supernode's copy is
     * still trickling in from a throttled origin. With super-seeding the supernode sends each new piece
     * to one peer and the others take it from that peer, so the peers trade a large share of the file.
     */
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
