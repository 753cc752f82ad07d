package io.dfly.dfget;

/** dfget command line (placeholder until the engine lands). */
public final class Dfget {
    public static void main(String[] args) {
        System.out.println("dfget: not implemented yet");
        System.exit(2);
    }
}
