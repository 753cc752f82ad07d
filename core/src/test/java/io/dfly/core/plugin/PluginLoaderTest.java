package io.dfly.core.plugin;

import io.dfly.spi.Plugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PluginLoaderTest {

    @Test
    void findsBuiltInPluginsOnTheHostClassPath() {
        PluginCatalog catalog = PluginLoader.load(getClass().getClassLoader(), Optional.empty());
        assertTrue(catalog.gcPolicyNames().contains("keep-all"));
        assertEquals("built-in", catalog.origin("GC policy", "keep-all"));
        Map<String, String> props = Map.of("dfly.plugin.keep-all.label", "x");
        var settings = new MapPluginSettings("keep-all", k -> Optional.ofNullable(props.get(k)));
        assertEquals("keep-all:x", catalog.gcPolicy("keep-all").create(settings).name());
    }

    @Test
    void loadsAnExternalJarInItsOwnClassLoader(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("plugins"));
        buildPluginJar(tmp, dir.resolve("ttl-extra.jar"), "ext.TtlExtraPlugin", "ttl-extra");

        PluginCatalog catalog = PluginLoader.load(getClass().getClassLoader(), Optional.of(dir));

        assertTrue(catalog.gcPolicyNames().containsAll(List.of("keep-all", "ttl-extra")));
        assertTrue(catalog.origin("GC policy", "ttl-extra").endsWith("ttl-extra.jar"));
        var policy = catalog.gcPolicy("ttl-extra").create(new MapPluginSettings("ttl-extra", k -> Optional.empty()));
        assertEquals("ttl-extra", policy.name());
        ClassLoader pluginLoader = policy.getClass().getClassLoader();
        assertNotSame(getClass().getClassLoader(), pluginLoader, "external plugin must get its own class loader");
        assertTrue(pluginLoader.getName().contains("ttl-extra.jar"));
    }

    @Test
    void anExternalJarUsesTheLibraryItBundlesNotTheHosts(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("plugins"));
        // the jar bundles its own "Jackson" (the host has the real one on its class path)
        String lib = """
                package com.fasterxml.jackson.databind;
                public class ObjectMapper { public static String who() { return "bundled"; } }
                """;
        buildPluginJar(tmp, dir.resolve("bundles.jar"), "ext.BundlesPlugin",
                "com.fasterxml.jackson.databind.ObjectMapper.who()", Map.of("com/fasterxml/jackson/databind/ObjectMapper.java", lib));
        PluginCatalog catalog = PluginLoader.load(getClass().getClassLoader(), Optional.of(dir));
        assertTrue(catalog.gcPolicyNames().contains("bundled"), "the plugin saw its own class: " + catalog.gcPolicyNames());
        assertTrue(PluginClassLoader.shared("io.dfly.spi.Plugin") && PluginClassLoader.shared("java.util.List"));
        assertTrue(!PluginClassLoader.shared("com.fasterxml.jackson.databind.ObjectMapper"));
    }

    @Test
    void unknownNameFailsListingTheAvailableOnes() {
        PluginCatalog catalog = PluginLoader.load(getClass().getClassLoader(), Optional.empty());
        PluginException e = assertThrows(PluginException.class,
                () -> catalog.select(List.of("keep-all", "lru-typo"), catalog::gcPolicy));
        assertTrue(e.getMessage().contains("unknown GC policy plugin 'lru-typo'"), e.getMessage());
        assertTrue(e.getMessage().contains("available: keep-all"), e.getMessage());
    }

    @Test
    void anUnreadablePluginFolderIsAClearError(@TempDir Path tmp) {
        PluginException e = assertThrows(PluginException.class,
                () -> PluginLoader.load(getClass().getClassLoader(), Optional.of(tmp.resolve("missing"))));
        assertTrue(e.getMessage().contains("dfly.plugins.dir"), e.getMessage());
    }

    @Test
    void twoPluginsWithOneNameAreRejected(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("plugins"));
        buildPluginJar(tmp, dir.resolve("dup.jar"), "ext.DupPlugin", "keep-all");
        PluginException e = assertThrows(PluginException.class,
                () -> PluginLoader.load(getClass().getClassLoader(), Optional.of(dir)));
        assertTrue(e.getMessage().contains("two plugins define GC policy 'keep-all'"), e.getMessage());
    }

    /** Compiles a one-class GC plugin against the SPI and packs it as a plugin jar. */
    static void buildPluginJar(Path work, Path jar, String className, String policyName) throws IOException {
        buildPluginJar(work, jar, className, '"' + policyName + '"', Map.of());
    }

    /** As above; {@code nameExpression} is Java giving the policy's name, {@code extra} more sources (path → text). */
    static void buildPluginJar(Path work, Path jar, String className, String nameExpression, Map<String, String> extra)
            throws IOException {
        String policyName = nameExpression;
        String pkg = className.substring(0, className.lastIndexOf('.'));
        String simple = className.substring(className.lastIndexOf('.') + 1);
        String source = """
                package %s;
                import io.dfly.spi.*;
                import java.util.List;
                public class %s implements Plugin {
                    @Override public List<GcPolicyFactory> gcPolicyFactories() {
                        return List.of(new GcPolicyFactory() {
                            public String name() { return %s; }
                            public GcPolicy create(PluginSettings s) {
                                return new GcPolicy() {
                                    public String name() { return %s; }
                                    public List<CachedTask> selectEvictions(List<CachedTask> c, DiskUsage d, java.time.Instant now) {
                                        return List.of();
                                    }
                                };
                            }
                        });
                    }
                }
                """.formatted(pkg, simple, policyName, policyName);
        Path src = Files.createDirectories(work.resolve("src-" + simple));
        Path classes = Files.createDirectories(work.resolve("classes-" + simple));
        List<String> args = new java.util.ArrayList<>(List.of("-d", classes.toString(), "-cp",
                new File(Plugin.class.getProtectionDomain().getCodeSource().getLocation().getPath()).getPath(),
                Files.writeString(src.resolve(simple + ".java"), source).toString()));
        for (Map.Entry<String, String> e : extra.entrySet()) {
            Path f = src.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            args.add(Files.writeString(f, e.getValue()).toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, args.toArray(String[]::new));
        assertEquals(0, rc, "plugin source must compile");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); var walk = Files.walk(classes)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace(File.separatorChar, '/')));
                out.write(Files.readAllBytes(p));
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("META-INF/services/io.dfly.spi.Plugin"));
            out.write((className + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
    }
}
