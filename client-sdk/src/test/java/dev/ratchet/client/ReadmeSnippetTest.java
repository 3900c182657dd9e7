package dev.ratchet.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The project README, the module README and the RatchetClient javadoc show exactly the code that {@link ReadmeExampleTest} runs. */
class ReadmeSnippetTest {
    // Surefire runs tests in the module directory.
    private static final Path MODULE = Path.of("");

    @Test
    void readme_showsTheTestedExample() throws IOException {
        String readme = read("README.md");
        int start = readme.indexOf("```java\n") + "```java\n".length();
        int end = readme.indexOf("```", start);

        assertEquals(testedExample(), readme.substring(start, end).strip());
    }

    @Test
    void projectReadme_showsTheTestedExample() throws IOException {
        String readme = read("../README.md");
        int start = readme.indexOf("```java\n") + "```java\n".length();
        int end = readme.indexOf("```", start);

        assertEquals(testedExample(), readme.substring(start, end).strip());
    }

    @Test
    void javadoc_showsTheTestedExample() throws IOException {
        String source = read("src/main/java/dev/ratchet/client/RatchetClient.java");
        int start = source.indexOf(" * <pre>{@code\n") + " * <pre>{@code\n".length();
        int end = source.indexOf(" * }</pre>", start);
        String javadoc = Arrays.stream(source.substring(start, end).split("\n"))
                .map(line -> line.startsWith(" * ") ? line.substring(3) : line.substring(2))
                .collect(Collectors.joining("\n"));

        assertEquals(testedExample(), javadoc.strip());
    }

    /** Returns the body of {@code ReadmeExampleTest.readmeExample()}, de-indented. */
    private static String testedExample() throws IOException {
        List<String> lines = Arrays.asList(
                read("src/test/java/dev/ratchet/client/ReadmeExampleTest.java").split("\n"));
        int first = lines.indexOf("    void readmeExample() {") + 1;
        int last = lines.subList(first, lines.size()).indexOf("    }") + first;
        return lines.subList(first, last).stream()
                .map(line -> line.isEmpty() ? line : line.substring(8))
                .collect(Collectors.joining("\n"))
                .strip();
    }

    private static String read(String relative) throws IOException {
        return Files.readString(MODULE.resolve(relative), StandardCharsets.UTF_8);
    }
}
