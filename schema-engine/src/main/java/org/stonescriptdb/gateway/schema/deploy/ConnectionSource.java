package org.stonescriptdb.gateway.schema.deploy;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.function.Function;

/**
 * Gives the engine a connection to a named database. The engine closes every connection it opens, and holds
 * at most one per database being deployed, so a pool-backed source keeps deploys inside the gateway's budget.
 */
@FunctionalInterface
public interface ConnectionSource {

    Connection open(String database) throws SQLException;

    /** One DataSource per database, e.g. the gateway's pools. */
    static ConnectionSource of(Function<String, DataSource> dataSources) {
        return database -> dataSources.apply(database).getConnection();
    }

    /** Plain DriverManager connections to databases on one server (CLI, tests). */
    static ConnectionSource jdbc(String host, int port, String user, String password) {
        return jdbc(database -> "jdbc:postgresql://" + host + ":" + port + "/" + database, user, password);
    }

    /** Plain DriverManager connections at the JDBC URL {@code urlOf} gives each database (with its TLS parameters, say). */
    static ConnectionSource jdbc(Function<String, String> urlOf, String user, String password) {
        return database -> {
            Properties p = new Properties();
            p.setProperty("user", user);
            if (password != null && !password.isEmpty()) p.setProperty("password", password);
            return DriverManager.getConnection(urlOf.apply(database), p);
        };
    }
}
