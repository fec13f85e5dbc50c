package org.stonescriptdb.gateway.schema.testing;

import org.stonescriptdb.gateway.schema.deploy.ConnectionSource;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Real connections to the test server, with every SQL text the engine sends recorded — each execute or
 * executeQuery call is one round trip. Nothing is simulated: calls go straight to pgjdbc.
 */
public final class RecordingConnections implements ConnectionSource {

    private final ConnectionSource real = TestDatabases.connections();
    private final List<String> executed = new CopyOnWriteArrayList<>();

    @Override
    public Connection open(String database) throws java.sql.SQLException {
        Connection c = real.open(database);
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Connection.class},
                new Recorder(c, null));
    }

    public List<String> executed() {
        return List.copyOf(executed);
    }

    public void clear() {
        executed.clear();
    }

    private final class Recorder implements InvocationHandler {
        private final Object target;
        private final String preparedSql;

        Recorder(Object target, String preparedSql) {
            this.target = target;
            this.preparedSql = preparedSql;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (name.startsWith("execute")) {
                executed.add(args != null && args.length > 0 && args[0] instanceof String sql ? sql : preparedSql);
            }
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (result instanceof PreparedStatement ps && name.equals("prepareStatement")) {
                return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{PreparedStatement.class},
                        new Recorder(ps, (String) args[0]));
            }
            if (result instanceof Statement st && name.equals("createStatement")) {
                return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Statement.class},
                        new Recorder(st, null));
            }
            return result;
        }
    }
}
