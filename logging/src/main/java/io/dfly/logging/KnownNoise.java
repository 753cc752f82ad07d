package io.dfly.logging;

import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Records Payara Micro, Grizzly and Hazelcast write on every start or every odd client that tell a dfly
 * user nothing they can act on. Each is rewritten as one short line at FINE (debug) level, so it shows only
 * when asked for ({@code --log-level FINE}); every other record passes unchanged.
 * <ul>
 *   <li>a client speaking TLS (or anything but HTTP) to a plain HTTP port: Grizzly's GRIZZLY0013 with a full
 *       stack trace of {@code IllegalStateException: Unknown protocol} (docker and skopeo try https first);</li>
 *   <li>an expired certificate in Payara's own bundled trust store (NCLS-SECURITY-05054, dozens of lines
 *       each; dfly does not use that store);</li>
 *   <li>Hazelcast's "CP Subsystem is not enabled" (dfly uses no CP data structures);</li>
 *   <li>Payara's "Exception executing HealthCheck" with a NullPointerException: a {@code /health} probe (a
 *       launcher waiting for readiness) that came while the application was still being deployed;</li>
 *   <li>Payara's Hazelcast tenant control "clearThreadContext - non-empty invocations" (a Hazelcast thread
 *       ran a call made from a request; harmless);</li>
 *   <li>every other record below WARNING from Payara Micro, Grizzly, Hazelcast and the libraries inside
 *       Payara (start-up notes, the instance and URL listings, "Created virtual server", ...), except the
 *       one line that says Payara Micro is ready. Most never get here (the launchers set those loggers to
 *       WARNING); this catches the few whose level Payara sets itself.</li>
 * </ul>
 */
final class KnownNoise {
    private static final Pattern EXPIRED_ALIAS = Pattern.compile("certificate with alias (\\S+) has expired");

    private KnownNoise() {
    }

    /** {@code r} itself, or its one-line FINE replacement when it is known noise. */
    static LogRecord rewrite(LogRecord r) {
        String logger = r.getLoggerName() == null ? "" : r.getLoggerName();
        Level level = r.getLevel();
        if (level.intValue() <= Level.FINE.intValue()) {
            return r;
        }
        if (logger.startsWith("org.glassfish.grizzly") && unknownProtocol(r.getThrown())) {
            return fine(r, "a client sent something other than HTTP (a TLS hello? an https:// URL for this plain"
                    + " http:// port); connection closed");
        }
        String text = text(r);
        if (text.contains("NCLS-SECURITY-05054") || (logger.startsWith("javax.enterprise.system.security.ssl")
                && text.contains("has expired"))) {
            Matcher m = EXPIRED_ALIAS.matcher(text);
            return fine(r, "Payara's bundled trust store holds an expired certificate" + (m.find() ? " (" + m.group(1) + ")" : "")
                    + "; dfly does not use that store");
        }
        if (logger.startsWith("com.hazelcast") && text.startsWith("CP Subsystem is not enabled")) {
            return fine(r, "Hazelcast CP subsystem off (dfly uses no CP data structures)");
        }
        if (logger.startsWith("fish.payara") && text.startsWith("Exception executing HealthCheck")
                && r.getThrown() instanceof NullPointerException) {
            // Payara runs an application's health check while that application is still being deployed
            return fine(r, "a health probe came while the application was still starting; answered DOWN");
        }
        if (logger.startsWith("fish.payara.nucleus.hazelcast") && text.contains("clearThreadContext")) {
            return fine(r, "Payara's Hazelcast tenant control: a request's invocation context was still set on a Hazelcast thread");
        }
        if (!logger.startsWith("io.dfly") && level.intValue() < Level.WARNING.intValue()
                && !(logger.equals("PayaraMicro") && text.contains(" ready in "))) {
            return fine(r, LogLine.oneLine(text, 200));
        }
        return r;
    }

    private static boolean unknownProtocol(Throwable t) {
        for (int i = 0; t != null && i < 8; i++, t = t.getCause()) {
            if (t instanceof IllegalStateException && t.getMessage() != null && t.getMessage().startsWith("Unknown protocol")) {
                return true;
            }
        }
        return false;
    }

    /** Fills in a record's resource bundle and parameters (any Formatter does; this one formats nothing else). */
    private static final Formatter MESSAGE = new Formatter() {
        @Override
        public String format(LogRecord record) {
            return formatMessage(record);
        }
    };

    /** The message as it would be printed, after its key when it has one (e.g. {@code NCLS-SECURITY-05054}). */
    private static String text(LogRecord r) {
        String key = r.getMessage() == null ? "" : r.getMessage();
        String m;
        try {
            m = MESSAGE.formatMessage(r);
        } catch (RuntimeException e) {
            m = key;
        }
        if (m == null) {
            m = "";
        }
        return (m.equals(key) || r.getResourceBundle() == null ? m : key + " " + m).strip();
    }

    private static LogRecord fine(LogRecord r, String message) {
        LogRecord f = new LogRecord(Level.FINE, message);
        f.setLoggerName(r.getLoggerName());
        f.setInstant(r.getInstant());
        f.setSequenceNumber(r.getSequenceNumber());
        f.setLongThreadID(r.getLongThreadID());
        f.setSourceClassName(r.getSourceClassName());
        f.setSourceMethodName(r.getSourceMethodName());
        return f;
    }
}
