package dev.dropletworker.command;

/** Cuts text taken from a producer's record before it is echoed into events, rows or logs. */
final class Echo {

    private Echo() {
    }

    /** {@code text}, or its first {@code max} characters and "…" with how many more there were. */
    static String cut(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        return text.substring(0, max) + "… (" + (text.length() - max) + " more characters)";
    }
}
