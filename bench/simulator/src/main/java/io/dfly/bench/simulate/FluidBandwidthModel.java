package io.dfly.bench.simulate;

import java.util.Arrays;

/**
 * Fluid (processor-sharing) bandwidth: a transfer moves at
 * {@code min(upload(source) / uploads(source), download(dest) / downloads(dest))}, recomputed whenever
 * a transfer starts or ends at its source or destination. Bandwidth a transfer cannot use (because its
 * other end is the bottleneck) is NOT redistributed to its siblings: simpler than max-min fairness and
 * slightly pessimistic. No latency, no TCP slow start, no loss, no core-network limit: only the edges.
 *
 * <p>Incremental: a start or an end changes the rates of the transfers at its two end nodes only
 * (≤ upload limit + download limit transfers), and only those get a new completion time.
 */
final class FluidBandwidthModel {
    /** Called when a transfer's completion time changes (its old completion event becomes stale). */
    interface Listener {
        void completionMoved(int transfer, int version, double finishAt);
    }

    private final double[] upCap;
    private final double[] downCap;
    private final int[][] ups;
    private final int[] upCount;
    private final int[][] downs;
    private final int[] downCount;
    private final Listener listener;

    // transfers, by id; ids are recycled, versions keep growing so stale events never match
    private int[] src = new int[256];
    private int[] dst = new int[256];
    private int[] piece = new int[256];
    private long[] bytes = new long[256];
    private double[] left = new double[256];
    private double[] rate = new double[256];
    private double[] last = new double[256];
    private int[] version = new int[256];
    private boolean[] active = new boolean[256];
    private int[] free = new int[256];
    private int freeCount;
    private int allocated;
    private int activeCount;

    /** @param upCap bytes/s each node can upload; @param downCap bytes/s each node can download */
    FluidBandwidthModel(double[] upCap, double[] downCap, Listener listener) {
        this.upCap = upCap;
        this.downCap = downCap;
        this.listener = listener;
        int n = upCap.length;
        ups = new int[n][4];
        downs = new int[n][4];
        upCount = new int[n];
        downCount = new int[n];
    }

    /** Starts moving {@code size} bytes of {@code pieceNum} from node {@code from} to node {@code to}. */
    int start(int from, int to, int pieceNum, long size, double now) {
        advanceAll(ups[from], upCount[from], now);
        advanceAll(downs[to], downCount[to], now);
        int id = allocate();
        src[id] = from;
        dst[id] = to;
        piece[id] = pieceNum;
        bytes[id] = size;
        left[id] = size;
        rate[id] = 0;
        last[id] = now;
        active[id] = true;
        activeCount++;
        ups[from] = add(ups[from], upCount[from]++, id);
        downs[to] = add(downs[to], downCount[to]++, id);
        recompute(ups[from], upCount[from], now);
        recompute(downs[to], downCount[to], now);
        return id;
    }

    /** The transfer's completion event fired: it is removed, its neighbours speed up. */
    void finish(int id, double now) {
        int from = src[id];
        int to = dst[id];
        advanceAll(ups[from], upCount[from], now);
        advanceAll(downs[to], downCount[to], now);
        upCount[from] = remove(ups[from], upCount[from], id);
        downCount[to] = remove(downs[to], downCount[to], id);
        active[id] = false;
        activeCount--;
        version[id]++;
        free[freeCount++] = id;
        recompute(ups[from], upCount[from], now);
        recompute(downs[to], downCount[to], now);
    }

    boolean isCurrent(int id, int ver) {
        return id < allocated && active[id] && version[id] == ver;
    }

    int source(int id) { return src[id]; }
    int destination(int id) { return dst[id]; }
    int piece(int id) { return piece[id]; }
    long bytes(int id) { return bytes[id]; }
    int activeTransfers() { return activeCount; }
    int uploads(int node) { return upCount[node]; }
    int downloads(int node) { return downCount[node]; }

    private void advanceAll(int[] list, int count, double now) {
        for (int i = 0; i < count; i++) {
            int id = list[i];
            double l = left[id] - rate[id] * (now - last[id]);
            left[id] = l < 0 ? 0 : l;
            last[id] = now;
        }
    }

    private void recompute(int[] list, int count, double now) {
        for (int i = 0; i < count; i++) {
            int id = list[i];
            int from = src[id];
            int to = dst[id];
            double r = Math.min(upCap[from] / upCount[from], downCap[to] / downCount[to]);
            if (r != rate[id]) {
                rate[id] = r;
                version[id]++;
                listener.completionMoved(id, version[id], now + left[id] / r);
            }
        }
    }

    private int allocate() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        if (allocated == src.length) {
            int n = allocated * 2;
            src = Arrays.copyOf(src, n);
            dst = Arrays.copyOf(dst, n);
            piece = Arrays.copyOf(piece, n);
            bytes = Arrays.copyOf(bytes, n);
            left = Arrays.copyOf(left, n);
            rate = Arrays.copyOf(rate, n);
            last = Arrays.copyOf(last, n);
            version = Arrays.copyOf(version, n);
            active = Arrays.copyOf(active, n);
            free = Arrays.copyOf(free, n);
        }
        return allocated++;
    }

    private static int[] add(int[] list, int count, int id) {
        int[] l = count == list.length ? Arrays.copyOf(list, count * 2) : list;
        l[count] = id;
        return l;
    }

    private static int remove(int[] list, int count, int id) {
        for (int i = 0; i < count; i++) {
            if (list[i] == id) {
                list[i] = list[count - 1];
                return count - 1;
            }
        }
        throw new IllegalStateException("transfer " + id + " not in list");
    }
}
