package org.stonescriptdb.gateway.schema.history;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * The bundle a database says it carries: the last row of its {@code _stonescriptdb_gateway_bundle} table.
 *
 * @param shape the schema's {@link SchemaShape} text when that deploy ended
 */
public record CarriedBundle(String checksum, String label, String deploymentId, OffsetDateTime deployedAt, String shape) {

    /** Empty when the database has no record: never deployed by the gateway, or last deployed before records existed. */
    public static Optional<CarriedBundle> read(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            try (ResultSet exists = st.executeQuery("SELECT to_regclass('" + TrackingTables.BUNDLE + "') IS NOT NULL")) {
                exists.next();
                if (!exists.getBoolean(1)) return Optional.empty();
            }
            try (ResultSet rs = st.executeQuery("SELECT checksum, label, deployment_id::text, deployed_at, shape FROM "
                    + TrackingTables.BUNDLE + " ORDER BY id DESC LIMIT 1")) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new CarriedBundle(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getObject(4, OffsetDateTime.class), rs.getString(5)));
            }
        }
    }
}
