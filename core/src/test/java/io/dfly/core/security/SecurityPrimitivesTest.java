package io.dfly.core.security;

import io.dfly.core.config.InvalidSettingException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecurityPrimitivesTest {
    private static final ClusterSecret SECRET = ClusterSecret.of("0123456789abcdef0123456789abcdef");
    private static final ClusterSecret OTHER = ClusterSecret.of("another-secret-of-enough-length");

    @Test
    void defaultSecretFileIsCreatedOnceWithMode0600(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/cluster.secret");
        List<String> said = new ArrayList<>();
        ClusterSecret a = ClusterSecret.loadOrCreate(file, true, said::add);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(1, said.size());
        assertTrue(said.get(0).contains(file.toString()) && said.get(0).contains("needs a copy"), said.get(0));
        ClusterSecret b = ClusterSecret.loadOrCreate(file, true, said::add);
        assertEquals(1, said.size(), "a second start creates nothing");
        assertArrayEquals(a.key("x"), b.key("x"));
        assertFalse(Files.readString(file).isBlank());
    }

    @Test
    void namedSecretFileMustExistAndBeReadable(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.secret");
        SecretFiles.SecretFileException e = assertThrows(SecretFiles.SecretFileException.class,
                () -> ClusterSecret.loadOrCreate(missing, false, s -> { }));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains(ClusterSecret.PROPERTY), e.getMessage());
        assertFalse(Files.exists(missing));
        Path shortOne = dir.resolve("short.secret");
        Files.writeString(shortOne, "abc\n");
        assertThrows(SecretFiles.SecretFileException.class, () -> ClusterSecret.load(shortOne));
        assertThrows(SecretFiles.SecretFileException.class, () -> ClusterSecret.load(dir.resolve("missing")));
    }

    @Test
    void hostTokensNameThePeerAndOnlyThatRequest() {
        HostTokens t = SECRET.hostTokens();
        String h = t.authorization("peer-1", "POST", "/api/v1/tasks");
        assertEquals(Optional.of("peer-1"), t.verify(h, "POST", "/api/v1/tasks"));
        assertEquals(Optional.empty(), t.verify(h, "POST", "/api/v1/tasks/x/pull"), "another path");
        assertEquals(Optional.empty(), t.verify(h, "GET", "/api/v1/tasks"), "another method");
        assertEquals(Optional.empty(), OTHER.hostTokens().verify(h, "POST", "/api/v1/tasks"), "another cluster");
        assertEquals(Optional.empty(), t.verify(null, "POST", "/api/v1/tasks"));
        assertEquals(Optional.empty(), t.verify("Bearer x", "POST", "/api/v1/tasks"));
        assertEquals(Optional.empty(), t.verify("Dfly-Host v1.a.b.c.d", "POST", "/api/v1/tasks"));
        long now = System.currentTimeMillis() / 1000;
        String old = "Dfly-Host " + t.mint("peer-1", "POST", "/p", now - HostTokens.MAX_AGE_SECONDS - 5);
        assertEquals(Optional.empty(), t.verify(old, "POST", "/p", now), "too old");
        // a forged peer name in a real token breaks the signature
        String[] parts = h.substring("Dfly-Host ".length()).split("\\.");
        parts[1] = Base64.getUrlEncoder().withoutPadding().encodeToString("admin".getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.empty(), t.verify("Dfly-Host " + String.join(".", parts), "POST", "/api/v1/tasks"));
    }

    @Test
    void pieceGrantsAreForOnePieceOnePeerAndExpire() {
        PieceGrants g = SECRET.pieceGrants();
        String task = "ab".repeat(32);
        String grant = g.mint(task, 3, "peer-a");
        assertEquals(Optional.empty(), g.refusal(grant, task, 3, "peer-a"));
        assertTrue(g.refusal(grant, task, 4, "peer-a").isPresent());
        assertTrue(g.refusal(grant, "cd".repeat(32), 3, "peer-a").isPresent());
        assertTrue(g.refusal(grant, task, 3, "peer-b").get().contains("another peer"));
        assertTrue(g.refusal(null, task, 3, "peer-a").get().contains("no piece grant"));
        assertTrue(g.refusal("g1.x", task, 3, "peer-a").get().contains("malformed"));
        assertTrue(OTHER.pieceGrants().refusal(grant, task, 3, "peer-a").get().contains("forged"));
        long now = System.currentTimeMillis() / 1000;
        String expired = g.mint(task, 3, "peer-a", now - 1);
        assertTrue(g.refusal(expired, task, 3, "peer-a", now).get().contains("expired"));
        String tampered = grant.replace("." + task + ".3.", "." + task + ".4.");
        assertTrue(g.refusal(tampered, task, 4, "peer-a").get().contains("forged"));
    }

    @Test
    void secretBoxOpensOnlyWithTheSecretAndContext() {
        byte[] plain = "Authorization: Bearer s3cr3t".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = SECRET.gridBox().seal(plain, "task-1");
        assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains("s3cr3t"));
        assertArrayEquals(plain, SECRET.gridBox().open(sealed, "task-1"));
        assertThrows(IllegalArgumentException.class, () -> SECRET.gridBox().open(sealed, "task-2"));
        assertThrows(IllegalArgumentException.class, () -> OTHER.gridBox().open(sealed, "task-1"));
        assertNotEquals(new String(sealed, StandardCharsets.ISO_8859_1),
                new String(SECRET.gridBox().seal(plain, "task-1"), StandardCharsets.ISO_8859_1), "fresh nonce each time");
    }

    @Test
    void derivedNamesDependOnTheSecret() {
        assertEquals(SECRET.derivedName("hazelcast", 24), ClusterSecret.of("0123456789abcdef0123456789abcdef").derivedName("hazelcast", 24));
        assertNotEquals(SECRET.derivedName("hazelcast", 24), OTHER.derivedName("hazelcast", 24));
        assertEquals(24, SECRET.derivedName("hazelcast", 24).length());
        assertFalse(SECRET.toString().contains("0123456789"));
    }

    @Test
    void operatorTokenAsBearerOrBasicPassword(@TempDir Path dir) {
        OperatorToken t = OperatorToken.loadOrCreate(dir.resolve("api.token"), true, s -> { });
        String token = SecretFiles.read(dir.resolve("api.token"), "t", "p", "f");
        assertTrue(t.accepts("Bearer " + token));
        assertTrue(t.accepts("basic " + Base64.getEncoder().encodeToString(("harbor:" + token).getBytes(StandardCharsets.UTF_8))));
        assertTrue(t.accepts("Basic " + Base64.getEncoder().encodeToString((":" + token).getBytes(StandardCharsets.UTF_8))));
        assertFalse(t.accepts("Bearer " + token + "x"));
        assertFalse(t.accepts("Basic " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8))));
        assertFalse(t.accepts("Basic !!!"));
        assertFalse(t.accepts(null));
        assertFalse(t.accepts(token));
    }

    @Test
    void originPolicyRefusesInternalAddressesUnlessListed() {
        OriginPolicy.Resolver dns = host -> switch (host) {
            case "public.example.com" -> new InetAddress[]{InetAddress.getByName("93.184.216.34")};
            case "internal.example.com" -> new InetAddress[]{InetAddress.getByName("10.1.2.3")};
            case "both.example.com" -> new InetAddress[]{InetAddress.getByName("93.184.216.34"), InetAddress.getByName("127.0.0.1")};
            case "metadata" -> new InetAddress[]{InetAddress.getByName("169.254.169.254")};
            default -> InetAddress.getAllByName(host);
        };
        OriginPolicy none = OriginPolicy.of("dfly.supernode.allowed-origins", List.of(), dns);
        assertEquals(Optional.empty(), none.refusal(URI.create("https://public.example.com/x")));
        for (String bad : new String[]{"http://127.0.0.1:5000/", "http://localhost/", "http://internal.example.com/",
                "http://both.example.com/", "http://metadata/latest", "http://[::1]:80/", "http://[fd00::1]/",
                "http://[fe80::1]/", "http://192.168.1.1/", "http://172.16.0.1/", "http://172.31.255.255/",
                "http://0.0.0.0/", "http://100.64.0.1/", "http://[::ffff:127.0.0.1]/"}) {
            Optional<String> r = none.refusal(URI.create(bad));
            assertTrue(r.isPresent(), bad);
            assertTrue(r.get().contains("dfly.supernode.allowed-origins"), r.get());
        }
        assertEquals(Optional.empty(), none.refusal(URI.create("http://172.32.0.1/")), "outside 172.16/12");
        OriginPolicy listed = OriginPolicy.of("p", List.of("127.0.0.1", "*.example.com", "10.0.0.0/8", "localhost:5000"), dns);
        assertEquals(Optional.empty(), listed.refusal(URI.create("http://127.0.0.1:5000/")));
        assertEquals(Optional.empty(), listed.refusal(URI.create("http://internal.example.com/")));
        assertEquals(Optional.empty(), listed.refusal(URI.create("http://localhost:1234/")));
        assertTrue(listed.refusal(URI.create("http://192.168.0.1/")).isPresent());
        assertTrue(OriginPolicy.of("p", List.of("10.0.0.0/8"), dns).refusal(URI.create("http://both.example.com/")).isPresent(),
                "every address must be covered");
        assertEquals(Optional.empty(), none.plusHosts(List.of("127.0.0.1:5000")).refusal(URI.create("http://127.0.0.1:5000/v2/")));
        assertEquals(Optional.empty(), OriginPolicy.allowAll().refusal(URI.create("http://127.0.0.1/")));
        assertThrows(InvalidSettingException.class, () -> OriginPolicy.of("p", List.of("10.0.0.0/99")));
        assertThrows(InvalidSettingException.class, () -> OriginPolicy.of("p", List.of("http://x/")));
        assertThrows(InvalidSettingException.class, () -> OriginPolicy.of("p", List.of("*.")));
    }

    @Test
    void safeUrlsShowNoQueryNoUserInfo() {
        assertEquals("https://s3.example.com:8443/b/k", SafeUrls.display(
                "https://user:pw@s3.example.com:8443/b/k?X-Amz-Signature=abc&X-Amz-Security-Token=t#frag"));
        assertEquals("http://h/", SafeUrls.display("http://h"));
        assertEquals("not a url ", SafeUrls.display("not a url ?sig=1"));
        assertEquals("(no URL)", SafeUrls.display((String) null));
    }

    @Test
    void credentialsStayWithTheirOrigin() {
        URI origin = URI.create("https://reg.example.com/v2/x/blobs/d");
        Map<String, String> h = Map.of("Authorization", "Bearer t", "Accept", "*/*", "Cookie", "c");
        assertEquals(h, Credentials.forTarget(origin, URI.create("https://REG.example.com:443/other"), h));
        assertEquals(Map.of("Accept", "*/*"), Credentials.forTarget(origin, URI.create("https://s3.example.com/b"), h));
        assertEquals(Map.of("Accept", "*/*"), Credentials.forTarget(origin, URI.create("http://reg.example.com/v2/"), h), "scheme");
        assertEquals(Map.of("Accept", "*/*"), Credentials.forTarget(origin, URI.create("https://reg.example.com:5000/"), h), "port");
    }
}
