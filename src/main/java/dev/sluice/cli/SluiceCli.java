package dev.sluice.cli;

/** Command-line entry point: {@code sluice run|validate|version|echo}. */
public final class SluiceCli {
    private SluiceCli() {}

    public static void main(String[] args) {
        System.out.println("sluice");
    }
}
