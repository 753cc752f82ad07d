package io.dfly.core.jvm;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.Logger;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Which of HotSpot's compilers compiles what, in a supernode or dfdaemon JVM: C2 for the JDK and dfly's own code
 * (the per-byte work: SHA-256's intrinsic, copies, sockets), C1 only for everything else — the application server
 * and the libraries (Payara, Grizzly, Jersey, Weld, Hazelcast, Jackson).
 *
 * <p>Why: a daemon's per-request framework code crosses C2's thresholds one method at a time for tens of thousands
 * of requests, so a node serving a few pulls an hour keeps compiling during every one of them (a quarter to a third
 * of a warm herd pull's CPU was C1/C2, `bench/README.md`). Left to C1, that code costs a fraction to compile and,
 * once compiled, a supernode answered a trivial request for less CPU than with C2 (0.33 against 0.7 ms, C2 never
 * settling). The JDK keeps C2: without it SHA-256 runs at a twentieth of the speed.
 *
 * <p>Installed at run time through the JVM's diagnostic command {@code Compiler.directives_add} (what
 * {@code jcmd <pid> Compiler.directives_add} runs), so it holds however the WAR was deployed and writes nothing to
 * the console; {@code jcmd <pid> Compiler.directives_clear} takes it back. Code compiled before it stays as it was.
 */
public final class CompilerPolicy {
    /** The directives file, a class-path resource beside this class. */
    static final String DIRECTIVES = "c2-for-jdk-and-dfly.json";
    /** How {@code Compiler.directives_print} shows the first directive once it is installed. */
    static final String INSTALLED_MARK = "matching: io/dfly/*.*";
    private static final String DIAGNOSTIC_COMMAND = "com.sun.management:type=DiagnosticCommand";

    private CompilerPolicy() {
    }

    /**
     * What a node does at start: installs the directives unless {@code c2ForFrameworks} (the node's
     * {@code property}) says to keep HotSpot's default, and logs one line saying which holds. A JVM that refuses
     * them keeps its default (a warning): a node never fails to start for this.
     */
    public static void apply(boolean c2ForFrameworks, String property, Logger log) {
        if (c2ForFrameworks) {
            log.info("JIT: HotSpot's default, C2 for all code (" + property + "=true)");
            return;
        }
        try {
            Optional<String> answer = installC2ForJdkAndDfly();
            if (answer.isPresent()) {
                log.info("JIT: C2 for the JDK's and dfly's code, C1 for the server's and libraries' ("
                        + property + "=false; " + answer.get() + ")");
            } else {
                log.info("JIT: HotSpot's default (this JVM has no diagnostic command MBean)");
            }
        } catch (IllegalStateException e) {
            log.warning("JIT: HotSpot's default, " + e.getMessage());
        }
    }

    /**
     * Adds the directives to this JVM's compiler directive stack.
     *
     * @return what the JVM answered (e.g. "2 compiler directives added"; "already installed" when this JVM has
     *         them), or empty when this JVM has no diagnostic
     *         command MBean (not HotSpot): nothing changed then
     * @throws IllegalStateException when the JVM refused the directives
     */
    public static Optional<String> installC2ForJdkAndDfly() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name;
        try {
            name = new ObjectName(DIAGNOSTIC_COMMAND);
            if (!server.isRegistered(name)) {
                return Optional.empty();
            }
        } catch (JMException e) {
            return Optional.empty();
        }
        // a second start in the same JVM (a redeployment) finds them there: the JVM's stack holds at most 50
        if (diagnosticCommand(server, name, "compilerDirectivesPrint").contains(INSTALLED_MARK)) {
            return Optional.of("already installed");
        }
        Path file = null;
        try (InputStream in = CompilerPolicy.class.getResourceAsStream(DIRECTIVES)) {
            if (in == null) {
                throw new IllegalStateException("compiler directives " + DIRECTIVES + " missing from the class path");
            }
            // the command takes a file name: a private temporary copy (createTempFile makes it owner-only)
            file = Files.createTempFile("dfly-compiler-directives", ".json");
            Files.write(file, in.readAllBytes());
            String answer = diagnosticCommand(server, name, "compilerDirectivesAdd", file.toString()).trim();
            if (!answer.matches("\\d+ compiler directives? added")) {
                throw new IllegalStateException("the JVM refused dfly's compiler directives: " + answer);
            }
            return Optional.of(answer);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write compiler directives to a temporary file: " + e.getMessage(), e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file the JVM's own clean-up of java.io.tmpdir may remove later
                }
            }
        }
    }

    /** Runs one diagnostic command (the MBean's operation name, e.g. {@code compilerDirectivesPrint}) and returns its output. */
    static String diagnosticCommand(MBeanServer server, ObjectName name, String operation, String... args) {
        try {
            Object out = server.invoke(name, operation, new Object[] {args}, new String[] {String[].class.getName()});
            return out == null ? "" : out.toString();
        } catch (JMException e) {
            throw new IllegalStateException("diagnostic command " + operation + " failed: " + e.getMessage(), e);
        }
    }

    /** {@link #diagnosticCommand(MBeanServer, ObjectName, String, String...)} on this JVM. */
    static String diagnosticCommand(String operation, String... args) {
        try {
            return diagnosticCommand(ManagementFactory.getPlatformMBeanServer(), new ObjectName(DIAGNOSTIC_COMMAND),
                    operation, args);
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }
}
