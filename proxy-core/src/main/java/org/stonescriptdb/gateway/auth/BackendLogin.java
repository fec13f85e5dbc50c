package org.stonescriptdb.gateway.auth;

/** A user and password the gateway logs in to PostgreSQL with. */
public record BackendLogin(String user, String password) {

    public BackendLogin {
        if (user == null || user.isBlank()) throw new IllegalArgumentException("backend user is empty");
        password = password == null ? "" : password;
    }

    @Override
    public String toString() {
        return "BackendLogin[" + user + "]"; // never the password
    }
}
