package org.stonescriptdb.gateway.schema.history;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What a database carries and whether its schema changed since: the bundle on record and the drift of its shape
 * from the one recorded then.
 *
 * @param carried the bundle on record, null when the database has none (never deployed, or not since records began)
 * @param drift   objects changed outside the gateway since that deploy; null when there is no record to compare with
 */
public record DatabaseInspection(CarriedBundle carried, SchemaShape.Drift drift) {

    /** Reads only: the record, then the shape now (two catalog queries). */
    public static DatabaseInspection of(Connection connection) throws SQLException {
        CarriedBundle carried = CarriedBundle.read(connection).orElse(null);
        if (carried == null) return new DatabaseInspection(null, null);
        return new DatabaseInspection(carried, SchemaShape.compare(carried.shape(), SchemaShape.read(connection)));
    }
}
