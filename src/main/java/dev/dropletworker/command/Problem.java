package dev.dropletworker.command;

/**
 * One thing wrong with a command: where (a JSON pointer into the command) and why. Both are cut to
 * a bounded length, since pointers echo the command's own field names: a rejected event must stay
 * small whatever the command held.
 */
public record Problem(String pointer, String message) {

    static final int MAX_POINTER_LENGTH = 200;
    static final int MAX_MESSAGE_LENGTH = 500;

    public Problem {
        pointer = Echo.cut(pointer, MAX_POINTER_LENGTH);
        message = Echo.cut(message, MAX_MESSAGE_LENGTH);
    }
}
