package io.dfly.dfget;

import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.SecretFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Handler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * dfget: downloads one file through dfly. Uses the local dfdaemon when one answers, otherwise runs the
 * P2P engine in this process; either way it needs the cluster secret ({@code --cluster-secret-file}) and
 * writes the output itself, as the calling user. Exit 0 on success; on failure one line on stderr and no
 * partial file.
 */
public final class Dfget {
    private Dfget() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err, System.console() != null);
        System.exit(code);
    }

    static int run(String[] argv, PrintStream out, PrintStream err, boolean terminal) {
        DfgetArgs a;
        try {
            a = DfgetArgs.parse(argv);
        } catch (UsageException e) {
            err.println("dfget: " + e.getMessage());
            return 2;
        }
        if (a.help()) {
            out.println(DfgetArgs.USAGE);
            return 0;
        }
        Path tmp = a.output().resolveSibling(a.output().getFileName() + ".dfly-tmp");
        ProgressReporter reporter = new ProgressReporter(out, terminal);
        try {
            if (a.output().getParent() != null && !Files.isDirectory(a.output().getParent())) {
                throw new DfgetException("directory " + a.output().getParent() + " does not exist");
            }
            ClusterSecret secret = secret(a.clusterSecretFile());
            var progress = !a.standalone() && DaemonDownload.available(a.dfdaemon())
                    ? DaemonDownload.run(a, secret, reporter, tmp)
                    : local(a, secret, reporter, tmp, err);
            reporter.finish(a.output(), progress);
            return 0;
        } catch (DfgetException e) {
            reporter.abort();
            deleteQuietly(tmp);
            err.println("dfget: error: " + oneLine(e.getMessage()));
            return 1;
        } catch (InterruptedException e) {
            deleteQuietly(tmp);
            err.println("dfget: error: interrupted");
            return 1;
        } catch (RuntimeException e) {
            reporter.abort();
            deleteQuietly(tmp);
            err.println("dfget: error: " + oneLine(String.valueOf(e.getMessage())) + " (" + e.getClass().getSimpleName() + ")");
            return 1;
        }
    }

    private static io.dfly.core.download.DownloadProgress local(DfgetArgs a, ClusterSecret secret, ProgressReporter reporter,
                                                                Path tmp, PrintStream err) throws DfgetException, InterruptedException {
        if (a.dfdaemonExplicit()) {
            throw new DfgetException("dfdaemon at " + a.dfdaemon() + " is not answering; start it, or drop --dfdaemon to"
                    + " download in this process");
        }
        quietLogging(err); // the engine's warnings; the dfdaemon path logs nothing
        return LocalDownload.run(a, secret, reporter, tmp);
    }

    /** The cluster secret: dfget proves with it that it runs on an enrolled host (to the dfdaemon, supernodes, peers). */
    static ClusterSecret secret(Path file) throws DfgetException {
        if (!Files.exists(file)) {
            throw new DfgetException("no cluster secret at " + file + " — copy the supernode's cluster secret ("
                    + ClusterSecret.DEFAULT_FILE + " on the supernode host) to this host with mode 0600, or name it with"
                    + " --cluster-secret-file (or $" + DfgetArgs.SECRET_ENV + ")");
        }
        try {
            return ClusterSecret.load(file);
        } catch (SecretFiles.SecretFileException e) {
            throw new DfgetException(e.getMessage());
        }
    }

    private static String oneLine(String s) {
        return s == null ? "unknown error" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    /** Engine warnings (e.g. the fallback line) as one "dfget: warning: ..." line each; nothing else. */
    private static void quietLogging(PrintStream err) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (isLoggable(r)) {
                    err.print(getFormatter().format(r));
                    err.flush();
                }
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {
                // never close stderr
            }
        };
        h.setLevel(Level.WARNING);
        h.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                return "dfget: warning: " + formatMessage(r) + System.lineSeparator();
            }
        });
        root.addHandler(h);
        root.setLevel(Level.WARNING);
    }
}
