package org.stonescriptdb.gateway.config;

/**
 * Where the gateway's own backend connections go and with which credentials.
 *
 * @param maintenanceDatabase the database used for catalogue queries (pg_database) and CREATE DATABASE
 * @param ssl                 TLS to this server ({@code sslmode}, {@code sslrootcert})
 */
public record BackendTarget(String host, int port, String maintenanceDatabase, String user, String password, BackendSsl ssl) {

    /** With libpq's default TLS: used if the server offers it. */
    public BackendTarget(String host, int port, String maintenanceDatabase, String user, String password) {
        this(host, port, maintenanceDatabase, user, password, BackendSsl.PREFER);
    }

    public BackendTarget {
        if (ssl == null) ssl = BackendSsl.PREFER;
        if (host == null || host.isBlank()) throw new IllegalArgumentException("backend host is empty");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("backend port out of range: " + port);
        if (user == null || user.isBlank()) throw new IllegalArgumentException("backend user is empty");
        password = password == null ? "" : password;
    }

    /** A JDBC URL for the given database on this backend (credentials are passed separately). */
    public String jdbcUrl(String database) {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/" + database + "?" + ssl.jdbcParameters();
    }

    /** The gateway's own login (maintenance database, catalogue queries, creating databases and roles). */
    public org.stonescriptdb.gateway.auth.BackendLogin login() {
        return new org.stonescriptdb.gateway.auth.BackendLogin(user, password);
    }

    public BackendTarget withPort(int newPort) {
        return new BackendTarget(host, newPort, maintenanceDatabase, user, password, ssl);
    }

    /** The same server, logged in to as {@code newUser}. */
    public BackendTarget withLogin(String newUser, String newPassword) {
        return new BackendTarget(host, port, maintenanceDatabase, newUser, newPassword, ssl);
    }

    @Override
    public String toString() {
        // Never print the password.
        return "BackendTarget[" + user + "@" + host + ":" + port + "/" + maintenanceDatabase + ", sslmode=" + ssl.mode().libpqName() + "]";
    }
}
