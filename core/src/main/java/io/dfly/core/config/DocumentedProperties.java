package io.dfly.core.config;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the {@code dfly.*} property names a document or settings class mentions, so tests can check
 * that everything the README and the config samples name really exists.
 */
public final class DocumentedProperties {
    private static final Pattern NAME = Pattern.compile("`(dfly\\.[a-z0-9.-]+[a-z0-9])`");

    private DocumentedProperties() {
    }

    /** Property names written as {@code `dfly.x.y`} in a Markdown file. */
    public static Set<String> inMarkdown(Path file) throws IOException {
        Set<String> names = new TreeSet<>();
        Matcher m = NAME.matcher(Files.readString(file));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** Keys of a properties file (commented-out keys included: {@code #dfly.x=...} documents one too). */
    public static Properties load(Path file, boolean includeCommented) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        if (includeCommented) {
            for (String line : Files.readAllLines(file)) {
                String t = line.trim();
                if (t.startsWith("#dfly.") && t.contains("=")) {
                    p.putIfAbsent(t.substring(1, t.indexOf('=')).trim(), t.substring(t.indexOf('=') + 1).trim());
                }
            }
        }
        return p;
    }

    /** Properties named in the README under {@code prefix} that the settings class does not read. */
    public static Set<String> unknownInReadme(Path readme, String prefix, Class<?> settingsClass) throws IOException {
        Set<String> known = constants(settingsClass);
        Set<String> unknown = new TreeSet<>();
        for (String name : inMarkdown(readme)) {
            if (name.startsWith(prefix) && !known.contains(name)) {
                unknown.add(name);
            }
        }
        return unknown;
    }

    /** Properties the settings class reads that the README does not name. */
    public static Set<String> missingFromReadme(Path readme, Class<?> settingsClass) throws IOException {
        Set<String> missing = new TreeSet<>(constants(settingsClass));
        missing.removeAll(inMarkdown(readme));
        return missing;
    }

    /**
     * Keys of a sample properties file that are neither read by the settings class nor a
     * {@code dfly.plugin.<name>.*} key of a plugin in {@code pluginNames}.
     */
    public static Set<String> unknownInSample(Properties sample, Class<?> settingsClass, Set<String> pluginNames) {
        Set<String> known = constants(settingsClass);
        Set<String> unknown = new TreeSet<>();
        for (String key : sample.stringPropertyNames()) {
            String[] parts = key.split("\\.");
            boolean pluginKey = key.startsWith("dfly.plugin.") && parts.length > 3 && pluginNames.contains(parts[2]);
            if (!known.contains(key) && !pluginKey) {
                unknown.add(key);
            }
        }
        return unknown;
    }

    /** Values of the {@code public static final String} constants of a class that start with {@code dfly.}. */
    public static Set<String> constants(Class<?> settingsClass) {
        Set<String> names = new TreeSet<>();
        for (Field f : settingsClass.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    Object v = f.get(null);
                    if (v instanceof String s && s.startsWith("dfly.")) {
                        names.add(s);
                    }
                } catch (IllegalAccessException ignored) {
                    // public fields only
                }
            }
        }
        return names;
    }
}
