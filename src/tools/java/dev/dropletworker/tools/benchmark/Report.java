package dev.dropletworker.tools.benchmark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What one run measured: a readable block for people, then, as the last line, one JSON object
 * with the scenario, its parameters, the commit and every figure, for whoever collects the runs
 * (the README's figures are medians of such lines). Figures go in sections; a section's figures
 * are one JSON object under its key.
 */
final class Report {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String scenario;
    private final Map<String, Object> parameters;
    private final List<Section> sections = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    Report(String scenario, Map<String, Object> parameters) {
        this.scenario = scenario;
        this.parameters = parameters;
    }

    /** A new section, printed under {@code title}, in JSON under {@code key}. */
    Section section(String key, String title) {
        Section section = new Section(key, title);
        sections.add(section);
        return section;
    }

    /** Something a reader of the figures must know (a missing feature, a run cut short). */
    void note(String note) {
        notes.add(note);
    }

    void print(PrintStream out) {
        out.println("=".repeat(88));
        out.printf("scenario %s  commit %s%n", scenario, commit());
        out.println("parameters " + parameters);
        for (Section section : sections) {
            out.println("-- " + section.title);
            section.lines.forEach(line -> out.printf("   %-46s %s%n", line.label, readable(line.value)));
        }
        notes.forEach(note -> out.println("note: " + note));
        out.println("=".repeat(88));
        out.println(json());
    }

    String json() {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("scenario", scenario);
        document.put("commit", commit());
        document.put("parameters", parameters);
        for (Section section : sections) {
            Map<String, Object> figures = new LinkedHashMap<>();
            section.lines.forEach(line -> figures.put(line.key, line.value));
            document.put(section.key, figures);
        }
        document.put("notes", notes);
        try {
            return JSON.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String readable(Object value) {
        if (value instanceof Double d) {
            return String.format(Locale.ROOT, "%.3f", d);
        }
        if (value instanceof Map<?, ?> map && !map.isEmpty()) {
            StringBuilder text = new StringBuilder();
            map.forEach((k, v) -> text.append("\n      ").append(String.format("%-43s %s", k, readable(v))));
            return text.toString();
        }
        return String.valueOf(value);
    }

    /** The short commit the worker was built from, with {@code -dirty} when the tree differs from it. */
    private static String commit() {
        String head = git("rev-parse", "--short", "HEAD");
        if (head.isEmpty()) {
            return "unknown";
        }
        return git("status", "--porcelain").isEmpty() ? head : head + "-dirty";
    }

    private static String git(String... args) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        try {
            Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (InputStream output = git.getInputStream()) {
                String text = new String(output.readAllBytes(), StandardCharsets.UTF_8).trim();
                return git.waitFor(10, TimeUnit.SECONDS) && git.exitValue() == 0 ? text : "";
            }
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Figures printed together; {@link #put} keeps their order. */
    static final class Section {
        private final String key;
        private final String title;
        private final List<Line> lines = new ArrayList<>();

        private Section(String key, String title) {
            this.key = key;
            this.title = title;
        }

        /** A number, text, flag, list or map (printed one entry a line) under {@code key}. */
        Section put(String key, String label, Object value) {
            lines.add(new Line(key, label, value));
            return this;
        }
    }

    private record Line(String key, String label, Object value) {
    }
}
