package io.dfly.engine;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP/1.1 GET of piece fetches, over plain sockets with kept-alive connections per host:port. Plain
 * sockets because a fetch that missed its deadline must end at once: {@link #abort closing the socket} from
 * the watchdog ends a read blocked in another thread immediately, while {@code HttpURLConnection.disconnect()}
 * waits for a read in progress (measured on JDK 17: a silent source held it for the whole 60 s read timeout)
 * and its read timeout cannot change once connected. Only what piece sources speak: a GET with a few
 * headers; answers with a {@code Content-Length}, chunked, or read to the connection's end.
 */
final class PieceHttp implements AutoCloseable {
    static final int MAX_HEAD_BYTES = 32 * 1024;
    static final int MAX_IDLE_PER_HOST = 8;
    static final long IDLE_NANOS = 15_000_000_000L;

    /** Where a fetch's socket is registered so that its watchdog can close it; may refuse (deadline passed). */
    interface Abortable {
        /** @throws IOException when the fetch is already over (its socket is closed at once) */
        void attach(Socket socket) throws IOException;

        /** Milliseconds a single read may block (a backstop: the watchdog closes the socket first). */
        int readTimeoutMillis();
    }

    private record Idle(Socket socket, BufferedInputStream in, OutputStream out, long since) {
    }

    private final Map<String, ArrayDeque<Idle>> idle = new HashMap<>();
    private boolean closed;

    /** One request's answer: status, headers (lower-case names), body. Close it to reuse or drop the connection. */
    final class Response implements AutoCloseable {
        private final String key;
        private final Socket socket;
        private final BufferedInputStream in;
        private final OutputStream out;
        final int status;
        final Map<String, String> headers;
        private final Body body;
        private final boolean keepAlive;

        private Response(String key, Socket socket, BufferedInputStream in, OutputStream out, int status,
                         Map<String, String> headers, Body body, boolean keepAlive) {
            this.key = key;
            this.socket = socket;
            this.in = in;
            this.out = out;
            this.status = status;
            this.headers = headers;
            this.body = body;
            this.keepAlive = keepAlive;
        }

        InputStream body() {
            return body;
        }

        /** The announced body length, or -1. */
        long contentLength() {
            return body instanceof FixedBody f ? f.length : -1;
        }

        /** Back to the pool when the body was read to its end and the server keeps the connection; else closed. */
        @Override
        public void close() {
            if (keepAlive && body.atEnd() && !socket.isClosed()) {
                offer(key, new Idle(socket, in, out, System.nanoTime()));
            } else {
                closeQuietly(socket);
            }
        }
    }

    /**
     * Sends {@code GET uri} with {@code headers} and reads the answer's status line and headers.
     *
     * @param connectTimeoutMillis bound on connecting a new socket
     */
    Response get(URI uri, Map<String, String> headers, int connectTimeoutMillis, Abortable watch) throws IOException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IOException("not an http(s) URL");
        }
        String host = uri.getHost();
        if (host == null) {
            throw new IOException("no host in the URL");
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        String key = scheme + "://" + bare + ":" + port;
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        StringBuilder req = new StringBuilder(256).append("GET ").append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append(uri.getPort() > 0 ? ":" + uri.getPort() : "").append("\r\n");
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (!printable(h.getKey()) || !printable(h.getValue())) {
                throw new IOException("refusing a header with control characters"); // no header or request smuggling
            }
            req.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        req.append("Connection: keep-alive\r\n\r\n");
        byte[] request = req.toString().getBytes(StandardCharsets.ISO_8859_1);

        Idle reused = take(key);
        if (reused != null) {
            try {
                watch.attach(reused.socket());
                return exchange(key, reused.socket(), reused.in(), reused.out(), request, watch);
            } catch (StaleConnectionException e) {
                closeQuietly(reused.socket()); // the server had closed it while idle: once more on a new one
            }
        }
        Socket plain = new Socket();
        watch.attach(plain);
        try {
            plain.setTcpNoDelay(true);
            plain.connect(new InetSocketAddress(bare, port), connectTimeoutMillis);
            Socket s = plain;
            if (scheme.equals("https")) {
                SSLSocket tls = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(plain, bare, port, true);
                SSLParameters p = tls.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(p);
                plain.setSoTimeout(watch.readTimeoutMillis());
                tls.startHandshake();
                s = tls;
            }
            return exchange(key, s, new BufferedInputStream(s.getInputStream(), 64 * 1024), s.getOutputStream(), request, watch);
        } catch (StaleConnectionException e) {
            closeQuietly(plain);
            throw new IOException("connection closed before any answer");
        } catch (IOException | RuntimeException e) {
            closeQuietly(plain);
            throw e;
        }
    }

    private Response exchange(String key, Socket s, BufferedInputStream in, OutputStream out, byte[] request,
                              Abortable watch) throws IOException {
        try {
            out.write(request);
            out.flush();
        } catch (IOException e) {
            throw new StaleConnectionException();
        }
        int status;
        Map<String, String> headers;
        String version;
        int[] budget = {MAX_HEAD_BYTES};
        while (true) {
            s.setSoTimeout(watch.readTimeoutMillis());
            String statusLine = readLine(in, budget, true);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                closeQuietly(s);
                throw new IOException("not an HTTP answer");
            }
            version = parts[0];
            try {
                status = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                closeQuietly(s);
                throw new IOException("not an HTTP status: " + SafeLine.of(parts[1]));
            }
            headers = new LinkedHashMap<>();
            while (true) {
                String line = readLine(in, budget, false);
                if (line.isEmpty()) {
                    break;
                }
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
                            (a, b) -> a + ", " + b);
                }
            }
            if (status >= 100 && status < 200) {
                continue; // an interim answer: the real one follows
            }
            break;
        }
        String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
        boolean keepAlive = version.equals("HTTP/1.1") ? !connection.contains("close") : connection.contains("keep-alive");
        Body body;
        String te = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
        if (status == 204 || status == 304) {
            body = new FixedBody(s, in, watch, 0);
        } else if (te.contains("chunked")) {
            body = new ChunkedBody(s, in, watch);
        } else if (headers.containsKey("content-length")) {
            long len;
            try {
                len = Long.parseLong(headers.get("content-length").split(",")[0].trim());
            } catch (NumberFormatException e) {
                closeQuietly(s);
                throw new IOException("bad Content-Length");
            }
            if (len < 0) {
                closeQuietly(s);
                throw new IOException("bad Content-Length");
            }
            body = new FixedBody(s, in, watch, len);
        } else {
            body = new UntilCloseBody(s, in, watch);
            keepAlive = false;
        }
        return new Response(key, s, in, out, status, headers, body, keepAlive);
    }

    private static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c > 0xff) {
                return false;
            }
        }
        return true;
    }

    /** A line of the answer's head (without its CR LF), ISO-8859-1. */
    private static String readLine(InputStream in, int[] budget, boolean first) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        while (true) {
            int b;
            try {
                b = in.read();
            } catch (java.net.SocketException e) {
                if (first && line.size() == 0) {
                    throw new StaleConnectionException(); // reset on a kept-alive connection before any byte
                }
                throw e;
            }
            if (b < 0) {
                if (first && line.size() == 0) {
                    throw new StaleConnectionException();
                }
                throw new IOException("connection closed in the middle of the answer's head");
            }
            first = false;
            if (--budget[0] < 0) {
                throw new IOException("answer head over " + MAX_HEAD_BYTES + " bytes");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
    }

    /** No answer at all on a reused connection: the server closed it while it was idle. */
    private static final class StaleConnectionException extends IOException {
        StaleConnectionException() {
            super("stale connection");
        }
    }

    /** Keeps a status token printable in a message. */
    private static final class SafeLine {
        static String of(String s) {
            String t = s.length() > 20 ? s.substring(0, 20) : s;
            return t.replaceAll("[^\\x20-\\x7e]", "?");
        }
    }

    private abstract static class Body extends InputStream {
        final Socket socket;
        final InputStream in;
        final Abortable watch;

        Body(Socket socket, InputStream in, Abortable watch) {
            this.socket = socket;
            this.in = in;
            this.watch = watch;
        }

        abstract boolean atEnd();

        /** Reads from the connection with the fetch's current backstop timeout. */
        int raw(byte[] b, int off, int len) throws IOException {
            socket.setSoTimeout(watch.readTimeoutMillis());
            return in.read(b, off, len);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }
    }

    private static final class FixedBody extends Body {
        final long length;
        private long left;

        FixedBody(Socket socket, InputStream in, Abortable watch, long length) {
            super(socket, in, watch);
            this.length = length;
            this.left = length;
        }

        @Override
        boolean atEnd() {
            return left == 0;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (left == 0) {
                return -1;
            }
            int n = raw(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new IOException("connection closed after " + (length - left) + " of " + length + " bytes");
            }
            left -= n;
            return n;
        }
    }

    private static final class ChunkedBody extends Body {
        private long chunkLeft;
        private boolean done;
        private final int[] budget = {MAX_HEAD_BYTES};

        ChunkedBody(Socket socket, InputStream in, Abortable watch) {
            super(socket, in, watch);
        }

        @Override
        boolean atEnd() {
            return done;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (done) {
                return -1;
            }
            if (chunkLeft == 0) {
                socket.setSoTimeout(watch.readTimeoutMillis());
                String size = readLine(in, budget, false);
                int semi = size.indexOf(';');
                try {
                    chunkLeft = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size");
                }
                if (chunkLeft < 0) {
                    throw new IOException("bad chunk size");
                }
                if (chunkLeft == 0) {
                    while (!readLine(in, budget, false).isEmpty()) {
                        // trailers: ignored
                    }
                    done = true;
                    return -1;
                }
            }
            int n = raw(b, off, (int) Math.min(len, chunkLeft));
            if (n < 0) {
                throw new IOException("connection closed in the middle of a chunk");
            }
            chunkLeft -= n;
            if (chunkLeft == 0) {
                socket.setSoTimeout(watch.readTimeoutMillis());
                if (!readLine(in, budget, false).isEmpty()) {
                    throw new IOException("bad chunk end");
                }
            }
            return n;
        }
    }

    private static final class UntilCloseBody extends Body {
        private boolean done;

        UntilCloseBody(Socket socket, InputStream in, Abortable watch) {
            super(socket, in, watch);
        }

        @Override
        boolean atEnd() {
            return done;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            int n = raw(b, off, len);
            if (n < 0) {
                done = true;
            }
            return n;
        }
    }

    private synchronized Idle take(String key) {
        ArrayDeque<Idle> q = idle.get(key);
        long now = System.nanoTime();
        while (q != null && !q.isEmpty()) {
            Idle i = q.pollLast();
            if (now - i.since() < IDLE_NANOS && !i.socket().isClosed()) {
                return i;
            }
            closeQuietly(i.socket());
        }
        return null;
    }

    private synchronized void offer(String key, Idle i) {
        if (closed) {
            closeQuietly(i.socket());
            return;
        }
        ArrayDeque<Idle> q = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
        long now = System.nanoTime();
        for (Iterator<Idle> it = q.iterator(); it.hasNext(); ) {
            Idle old = it.next();
            if (now - old.since() >= IDLE_NANOS) {
                closeQuietly(old.socket());
                it.remove();
            }
        }
        while (q.size() >= MAX_IDLE_PER_HOST) {
            closeQuietly(q.pollFirst().socket());
        }
        q.addLast(i);
    }

    /** Idle connections kept now (tests). */
    synchronized int idleConnections() {
        return idle.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        idle.values().forEach(q -> q.forEach(i -> closeQuietly(i.socket())));
        idle.clear();
    }
}
