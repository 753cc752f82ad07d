package io.dfly.supernode.rest;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard's files as the WAR ships them: exactly the ones {@link UiResource} serves, no inline script
 * or handler (the CSP would block it), and no way for task text to be parsed as HTML in the script.
 * The real browser test is {@code it/…/ui/DashboardTest}.
 */
class UiFilesTest {
    private static final Path UI = Path.of("src/main/webapp/ui");

    @Test
    void theFolderHoldsExactlyTheServedFiles() throws Exception {
        Set<String> present = new TreeSet<>();
        try (Stream<Path> files = Files.list(UI)) {
            files.forEach(f -> present.add(f.getFileName().toString()));
        }
        assertEquals(new TreeSet<>(UiResource.FILES.keySet()), present);
    }

    @Test
    void noInlineScriptNoHtmlParsingOfData() throws Exception {
        String html = Files.readString(UI.resolve("index.html"));
        assertFalse(html.matches("(?s).*<script(?![^>]*\\bsrc=)[^>]*>.*"), "every script is a file of its own");
        assertFalse(html.matches("(?is).*\\son[a-z]+\\s*=.*"), "no inline event handler");
        assertFalse(html.contains("style="), "no inline style");
        assertFalse(html.matches("(?s).*(src|href)=\"(https?:)?//.*"), "nothing from another origin");
        String js = Files.readString(UI.resolve("dashboard.js"));
        for (String sink : List.of("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                "new Function", "setAttribute('on", "javascript:")) {
            assertFalse(js.contains(sink), "dashboard.js must not use " + sink);
        }
        assertTrue(js.contains("textContent"));
    }

    @Test
    void theSecurityPolicyAllowsOwnScriptsOnly() {
        assertTrue(UiResource.CSP.contains("script-src 'self'"));
        assertTrue(UiResource.CSP.contains("default-src 'none'"));
        assertTrue(UiResource.CSP.contains("frame-ancestors 'none'"));
        assertFalse(UiResource.CSP.contains("unsafe"));
    }
}
