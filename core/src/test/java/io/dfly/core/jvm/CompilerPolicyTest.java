package io.dfly.core.jvm;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompilerPolicyTest {
    private int added;

    @AfterEach
    void removeWhatTheTestAdded() {
        for (; added > 0; added--) {
            CompilerPolicy.diagnosticCommand("compilerDirectivesRemove"); // pops the top directive
        }
    }

    @Test
    void theJvmTakesBothDirectivesAndKeepsC2ForTheJdkAndDflyOnly() {
        String before = CompilerPolicy.diagnosticCommand("compilerDirectivesPrint");
        assertEquals("2 compiler directives added", CompilerPolicy.installC2ForJdkAndDfly().orElseThrow());
        added = 2;
        String printed = CompilerPolicy.diagnosticCommand("compilerDirectivesPrint");
        assertTrue(printed.length() > before.length(), printed);
        // the JVM prints the stack top first: the JDK-and-dfly directive with C2 on, then "*.*" with C2 excluded
        int ours = printed.indexOf(CompilerPolicy.INSTALLED_MARK);
        int rest = printed.indexOf("matching: *.*");
        assertTrue(ours >= 0 && rest > ours, printed);
        String jdkAndDflyC2 = printed.substring(printed.indexOf("c2 directives", ours), rest);
        assertTrue(jdkAndDflyC2.contains("Exclude:false"), jdkAndDflyC2);
        for (String kept : new String[] {"java/*.*", "sun/*.*", "jdk/*.*", "javax/*.*"}) {
            assertTrue(printed.substring(ours, rest).contains(kept), kept + " keeps C2:\n" + printed);
        }
        assertEquals("already installed", CompilerPolicy.installC2ForJdkAndDfly().orElseThrow(), "a second start adds none");
        assertEquals(printed, CompilerPolicy.diagnosticCommand("compilerDirectivesPrint"));
        String everythingElse = printed.substring(rest);
        String c2 = everythingElse.substring(everythingElse.indexOf("c2 directives"));
        assertTrue(c2.substring(0, c2.indexOf('\n', c2.indexOf("Exclude:"))).contains("Exclude:true"), printed);
    }
}
