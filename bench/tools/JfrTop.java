import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What JFR recordings say, summed over several JVMs of one kind (the supernode, or all dfdaemons): the
 * hottest methods by self time (top frame) and by "total" (anywhere on the stack), each with its share of
 * all execution samples, the threads those samples came from, and — from bench/herd's {@code .threads}
 * files ("thread-name ticks" per line, /proc after − before) — the CPU each kind of thread really used,
 * kernel time, GC and JIT included, which execution samples do not see.
 *
 * <pre>java bench/tools/JfrTop.java [--top N] [--hz TICKS_PER_S] FILE.jfr... [FILE.threads...]</pre>
 */
public class JfrTop {
    public static void main(String[] args) throws Exception {
        int top = 15;
        double hz = 100;
        List<Path> recordings = new ArrayList<>();
        List<Path> threadFiles = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--top" -> top = Integer.parseInt(args[++i]);
                case "--hz" -> hz = Double.parseDouble(args[++i]);
                default -> (args[i].endsWith(".threads") ? threadFiles : recordings).add(Path.of(args[i]));
            }
        }
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        int samples = 0;
        for (Path file : recordings) {
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                    continue;
                }
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                samples++;
                List<RecordedFrame> frames = st.getFrames();
                self.merge(name(frames.get(0)), 1, Integer::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame f : frames) {
                    String n = name(f);
                    if (seen.add(n)) {
                        total.merge(n, 1, Integer::sum);
                    }
                }
                String t = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
                threads.merge(t == null ? "?" : threadKind(t), 1, Integer::sum);
            }
        }
        System.out.println("JFR: " + recordings.size() + " recording(s), " + samples + " execution samples");
        print("self (top frame)", self, samples, top);
        print("total (anywhere on the stack)", total, samples, top);
        print("threads of the samples", threads, samples, 8);
        if (!threadFiles.isEmpty()) {
            Map<String, Integer> ticks = new HashMap<>();
            int all = 0;
            for (Path f : threadFiles) {
                for (String line : Files.readAllLines(f)) {
                    String[] p = line.trim().split(" ");
                    if (p.length == 2) {
                        int t = Integer.parseInt(p[1]);
                        ticks.merge(threadKind(p[0]), t, Integer::sum);
                        all += t;
                    }
                }
            }
            double allSeconds = all / hz;
            System.out.println();
            System.out.printf("CPU per thread kind (/proc, user + system, %.1f CPU-s in all):%n", allSeconds);
            System.out.println();
            System.out.println("| thread (name, numbers dropped) | CPU s | share |");
            System.out.println("|---|---:|---:|");
            final double h = hz;
            final int sum = all;
            ticks.entrySet().stream().filter(en -> en.getValue() > 0).sorted((a, b) -> b.getValue() - a.getValue()).limit(12)
                    .forEach(en -> System.out.printf("| `%s` | %.2f | %.1f %% |%n", en.getKey(), en.getValue() / h,
                            100.0 * en.getValue() / Math.max(1, sum)));
        }
    }

    /** A thread's name without its running number, so a pool's threads count as one kind. */
    private static String threadKind(String name) {
        return name.replaceAll("[-#_ ]?\\d+$", "").replaceAll("\\d+$", "");
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static void print(String title, Map<String, Integer> counts, int samples, int top) {
        System.out.println();
        System.out.println("| " + title + " | share |");
        System.out.println("|---|---:|");
        counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(top).forEach(en ->
                System.out.printf("| `%s` | %.1f %% |%n", en.getKey(), 100.0 * en.getValue() / Math.max(1, samples)));
    }
}
