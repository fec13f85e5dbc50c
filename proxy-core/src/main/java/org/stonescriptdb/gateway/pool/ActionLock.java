package org.stonescriptdb.gateway.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The pool's one lock. Whoever holds it only decides; what the decision sets in motion — completing a client's
 * request, closing or opening a connection — it leaves as an action, run once the lock is released, so no I/O and
 * no client's listener ever runs under it (a listener takes its session's lock, and two sessions on two loops would
 * otherwise deadlock). Short and never held across I/O, so event loops may take it.
 */
final class ActionLock {

    private final ReentrantLock lock = new ReentrantLock();

    /** A list for the actions of one hold; most holds leave none, one or two. */
    static List<Runnable> actions() {
        return new ArrayList<>(2);
    }

    /** For the paths every transaction takes, which hold the lock themselves rather than through a lambda. */
    void lock() {
        lock.lock();
    }

    void unlock() {
        lock.unlock();
    }

    /** Runs the actions a hold left; the lock must be released. */
    static void run(List<Runnable> actions) {
        for (int i = 0; i < actions.size(); i++) actions.get(i).run();
    }

    /** Runs {@code body} under the lock, then, with the lock released, the actions it left. */
    void withActions(Consumer<List<Runnable>> body) {
        List<Runnable> actions = actions();
        lock.lock();
        try {
            body.accept(actions);
        } finally {
            lock.unlock();
        }
        run(actions);
    }

    /** Changes something under the lock, with nothing to do after it. */
    void change(Runnable change) {
        lock.lock();
        try {
            change.run();
        } finally {
            lock.unlock();
        }
    }

    /** Reads something under the lock. */
    <T> T read(Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }
}
