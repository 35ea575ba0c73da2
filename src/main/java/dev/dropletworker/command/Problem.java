package dev.dropletworker.command;

/** One thing wrong with a command: where (a JSON pointer into the command) and why. */
public record Problem(String pointer, String message) {
}
