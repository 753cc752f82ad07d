package io.dfly.bench.simulate;

import java.util.Arrays;

/**
 * A binary min-heap of events ordered by (time, insertion order), kept in parallel primitive arrays
 * (millions of events, no object per event). An event is a kind, a subject id and a version; stale
 * events are skipped by the caller (lazy deletion), which is cheaper than removing them.
 */
final class EventQueue {
    private double[] time = new double[1024];
    private long[] seq = new long[1024];
    private int[] kind = new int[1024];
    private int[] subject = new int[1024];
    private int[] version = new int[1024];
    private int size;
    private long nextSeq;

    // the event just popped
    private double poppedTime;
    private int poppedKind;
    private int poppedSubject;
    private int poppedVersion;

    void push(double t, int k, int subj, int ver) {
        if (size == time.length) {
            int n = size * 2;
            time = Arrays.copyOf(time, n);
            seq = Arrays.copyOf(seq, n);
            kind = Arrays.copyOf(kind, n);
            subject = Arrays.copyOf(subject, n);
            version = Arrays.copyOf(version, n);
        }
        int i = size++;
        long s = nextSeq++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(t, s, parent)) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        set(i, t, s, k, subj, ver);
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** Removes the earliest event; read it with {@link #time()}, {@link #kind()}, ... */
    void pop() {
        poppedTime = time[0];
        poppedKind = kind[0];
        poppedSubject = subject[0];
        poppedVersion = version[0];
        size--;
        if (size == 0) {
            return;
        }
        double t = time[size];
        long s = seq[size];
        int k = kind[size];
        int subj = subject[size];
        int ver = version[size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && lessAt(child + 1, child)) {
                child++;
            }
            if (!before(time[child], seq[child], i, t, s)) {
                break;
            }
            move(child, i);
            i = child;
        }
        set(i, t, s, k, subj, ver);
    }

    double time() { return poppedTime; }
    int kind() { return poppedKind; }
    int subject() { return poppedSubject; }
    int version() { return poppedVersion; }

    private boolean before(double t, long s, int at) {
        return t < time[at] || (t == time[at] && s < seq[at]);
    }

    /** Whether the element at {@code a} comes strictly before (t, s). */
    private boolean before(double ta, long sa, int ignored, double t, long s) {
        return ta < t || (ta == t && sa < s);
    }

    private boolean lessAt(int a, int b) {
        return time[a] < time[b] || (time[a] == time[b] && seq[a] < seq[b]);
    }

    private void move(int from, int to) {
        set(to, time[from], seq[from], kind[from], subject[from], version[from]);
    }

    private void set(int i, double t, long s, int k, int subj, int ver) {
        time[i] = t;
        seq[i] = s;
        kind[i] = k;
        subject[i] = subj;
        version[i] = ver;
    }
}
