import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a JFR recording's CPU samples say: the hottest methods by self time (top frame), and by "total"
 * (any frame of the stack), each with its share of all execution samples, plus the threads that used the CPU.
 *
 * <pre>java bench/tools/JfrTop.java FILE.jfr [N]</pre>
 */
public class JfrTop {
    public static void main(String[] args) throws Exception {
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        int samples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
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
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (RecordedFrame f : frames) {
                String n = name(f);
                if (seen.add(n)) {
                    total.merge(n, 1, Integer::sum);
                }
            }
            String t = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
            threads.merge(t == null ? "?" : t.replaceAll("[-#]?\\d+$", ""), 1, Integer::sum);
        }
        System.out.println("## " + args[0] + ": " + samples + " execution samples");
        print("self (top frame)", self, samples, top);
        print("total (anywhere on the stack)", total, samples, top);
        print("threads", threads, samples, 8);
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
