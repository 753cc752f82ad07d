package io.dfly.it.registry;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Builds a real OCI image layout offline: a small tar+gzip layer, a big one of random data (so every run
 * has new digests), an OCI config with diff_ids and history "created" fields, an OCI manifest and
 * {@code index.json} with the ref.name annotation.
 */
public final class OciImage {
    /** A layer or config as stored: digest, size. */
    public record Blob(String digest, long size) {
    }

    private final Path dir;
    private final String tag;
    private Blob config;
    private final List<Blob> layers = new ArrayList<>();
    private String manifestDigest;

    private OciImage(Path dir, String tag) {
        this.dir = dir;
        this.tag = tag;
    }

    /** Writes the layout into {@code dir}; the big layer holds {@code bigMiB} MiB of random bytes. */
    public static OciImage build(Path dir, String tag, int bigMiB) throws Exception {
        OciImage img = new OciImage(dir, tag);
        img.write(bigMiB);
        return img;
    }

    public String reference() {
        return "oci:" + dir + ":" + tag;
    }

    /** Where a blob of this image is stored in its layout. */
    public java.nio.file.Path blobFile(Blob blob) {
        return dir.resolve("blobs/sha256").resolve(blob.digest().substring("sha256:".length()));
    }

    public String manifestDigest() {
        return manifestDigest;
    }

    public Blob config() {
        return config;
    }

    public List<Blob> layers() {
        return List.copyOf(layers);
    }

    /** The big random layer. */
    public Blob bigLayer() {
        return layers.get(layers.size() - 1);
    }

    private void write(int bigMiB) throws Exception {
        Path blobs = dir.resolve("blobs/sha256");
        Files.createDirectories(blobs);
        List<String> diffIds = new ArrayList<>();
        // layer 1: small text files
        diffIds.add(layer(blobs, tar -> {
            tar.dir("etc/");
            tar.file("etc/os-release", "NAME=dfly-test\nID=dfly\n".getBytes(StandardCharsets.UTF_8));
            tar.dir("app/");
            tar.file("app/data.txt", ("dfly test image " + System.nanoTime() + "\n").getBytes(StandardCharsets.UTF_8));
        }));
        // layer 2: big random file
        diffIds.add(layer(blobs, tar -> tar.randomFile("app/big.bin", (long) bigMiB * 1024 * 1024)));
        String arch = switch (System.getProperty("os.arch")) {
            case "aarch64", "arm64" -> "arm64";
            default -> "amd64";
        };
        String created = "2024-01-01T00:00:00Z";
        String cfg = "{\"created\":\"" + created + "\",\"architecture\":\"" + arch + "\",\"os\":\"linux\","
                + "\"config\":{\"Cmd\":[\"/bin/sh\"],\"Env\":[\"PATH=/bin\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + String.join("\",\"", diffIds) + "\"]},"
                + "\"history\":[{\"created\":\"" + created + "\",\"created_by\":\"dfly test: small files\"},"
                + "{\"created\":\"" + created + "\",\"created_by\":\"dfly test: random data\"}]}";
        config = store(blobs, cfg.getBytes(StandardCharsets.UTF_8));
        StringBuilder m = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + config.digest()
                + "\",\"size\":" + config.size() + "},\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            m.append(i == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"")
                    .append(layers.get(i).digest()).append("\",\"size\":").append(layers.get(i).size()).append('}');
        }
        m.append("]}");
        Blob manifest = store(blobs, m.toString().getBytes(StandardCharsets.UTF_8));
        manifestDigest = manifest.digest();
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + manifest.digest() + "\",\"size\":"
                + manifest.size() + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}");
    }

    private interface TarContent {
        void write(Tar tar) throws IOException;
    }

    /** Writes one gzip layer; returns its diff_id (digest of the uncompressed tar). */
    private String layer(Path blobs, TarContent content) throws Exception {
        Path tmp = blobs.resolve("tmp-layer");
        MessageDigest compressed = MessageDigest.getInstance("SHA-256");
        MessageDigest uncompressed = MessageDigest.getInstance("SHA-256");
        try (OutputStream file = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
             DigestOutputStream cd = new DigestOutputStream(file, compressed);
             GZIPOutputStream gz = new GZIPOutputStream(cd, 1 << 16) {
                 { def.setLevel(Deflater.BEST_SPEED); }
             };
             DigestOutputStream ud = new DigestOutputStream(gz, uncompressed)) {
            Tar tar = new Tar(ud);
            content.write(tar);
            tar.finish();
        }
        String digest = "sha256:" + HexFormat.of().formatHex(compressed.digest());
        Files.move(tmp, blobs.resolve(digest.substring(7)));
        layers.add(new Blob(digest, Files.size(blobs.resolve(digest.substring(7)))));
        return "sha256:" + HexFormat.of().formatHex(uncompressed.digest());
    }

    private static Blob store(Path blobs, byte[] data) throws Exception {
        String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        Files.write(blobs.resolve(digest.substring(7)), data);
        return new Blob(digest, data.length);
    }

    /** Minimal ustar writer. */
    private static final class Tar {
        private final OutputStream out;

        Tar(OutputStream out) {
            this.out = out;
        }

        void dir(String name) throws IOException {
            header(name, 0, '5', 0755);
        }

        void file(String name, byte[] data) throws IOException {
            header(name, data.length, '0', 0644);
            out.write(data);
            pad(data.length);
        }

        void randomFile(String name, long size) throws IOException {
            header(name, size, '0', 0644);
            SplittableRandom rnd = new SplittableRandom(System.nanoTime());
            byte[] buf = new byte[1 << 16];
            long left = size;
            while (left > 0) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = rnd.nextLong();
                    for (int j = 0; j < 8; j++) {
                        buf[i + j] = (byte) (v >>> (j * 8));
                    }
                }
                int n = (int) Math.min(buf.length, left);
                out.write(buf, 0, n);
                left -= n;
            }
            pad(size);
        }

        void finish() throws IOException {
            out.write(new byte[1024]);
        }

        private void pad(long size) throws IOException {
            int rem = (int) (size % 512);
            if (rem != 0) {
                out.write(new byte[512 - rem]);
            }
        }

        private void header(String name, long size, char type, int mode) throws IOException {
            byte[] h = new byte[512];
            put(h, 0, 100, name);
            put(h, 100, 8, String.format("%07o", mode));
            put(h, 108, 8, "0000000");
            put(h, 116, 8, "0000000");
            put(h, 124, 12, String.format("%011o", size));
            put(h, 136, 12, String.format("%011o", 1704067200L));
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            h[156] = (byte) type;
            put(h, 257, 6, "ustar");
            put(h, 263, 2, "00");
            put(h, 265, 32, "root");
            put(h, 297, 32, "root");
            int sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, 8, String.format("%06o", sum));
            h[154] = 0;
            h[155] = ' ';
            out.write(h);
        }

        private static void put(byte[] h, int off, int len, String s) {
            byte[] b = s.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(b, 0, h, off, Math.min(len, b.length));
        }
    }

}
