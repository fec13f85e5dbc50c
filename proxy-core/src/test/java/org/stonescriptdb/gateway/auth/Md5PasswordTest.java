package org.stonescriptdb.gateway.auth;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class Md5PasswordTest {

    /** Computed independently (Python hashlib): md5(md5("pencil" + "user").hex + 01 02 03 04). */
    @Test
    void knownValue() {
        assertEquals("md54376eb6913b38f9aaff38dc7cf19ca76", Md5Password.response("user", "pencil", new byte[]{1, 2, 3, 4}));
    }

    @Test
    void matchesTheDefinitionForAssortedInputs() throws Exception {
        String[][] cases = {{"postgres", "postgres"}, {"gw", ""}, {"ünï", "pässwörd ✓"}, {"", "x"}};
        byte[][] salts = {{0, 0, 0, 0}, {(byte) 0xff, (byte) 0x80, 0x7f, 0x00}, {-1, -2, -3, -4}};
        for (String[] c : cases) {
            for (byte[] salt : salts) {
                assertEquals(expected(c[0], c[1], salt), Md5Password.response(c[0], c[1], salt));
            }
        }
    }

    @Test
    void saltChangesTheResponse() {
        assertNotEquals(Md5Password.response("u", "p", new byte[]{1, 2, 3, 4}), Md5Password.response("u", "p", new byte[]{1, 2, 3, 5}));
        assertEquals(35, Md5Password.response("u", "p", new byte[4]).length());
    }

    private static String expected(String user, String password, byte[] salt) throws Exception {
        MessageDigest md = MessageDigest.getInstance("MD5");
        md.update(password.getBytes(StandardCharsets.UTF_8));
        md.update(user.getBytes(StandardCharsets.UTF_8));
        String inner = HexFormat.of().formatHex(md.digest());
        md.update(inner.getBytes(StandardCharsets.US_ASCII));
        md.update(salt);
        return "md5" + HexFormat.of().formatHex(md.digest());
    }
}
