/**
 * The durability policies a journal offers, and what each can lose.
 *
 * @module
 */

/**
 * Every durability policy, strongest first. See {@link Durability} for what each promises.
 */
export const DURABILITY_POLICIES = ['always', 'interval', 'none'] as const;

/**
 * How durable an acknowledged append is: when `append()` resolves, and what a crash can
 * take back afterwards.
 *
 * - `always` (the default): `append()` resolves only once its records are on stable
 *   storage. On SQLite the commit runs with `synchronous=FULL`, so the WAL is fsynced before
 *   the commit returns; concurrent appends share one transaction and one fsync (group
 *   commit), which is what makes this affordable. A process crash loses nothing
 *   acknowledged; neither does an OS crash or a power loss, provided the disk honours
 *   flushes.
 * - `interval`: `append()` resolves once its records are committed to the operating system,
 *   and the journal fsyncs every `syncInterval` (default 1 s), as Redis `appendfsync
 *   everysec` does. A process crash loses nothing acknowledged: the commit is already in the
 *   OS page cache, which the kernel writes out whether or not the process lives. An OS crash
 *   or power loss can lose the appends acknowledged since the last completed sync (about one
 *   interval). What survives is always a prefix of the commits: no stream gets a hole.
 * - `none`: like `interval` without the periodic fsync; the OS writes back when it likes
 *   (on Linux typically within about 30 s). A process crash still loses nothing
 *   acknowledged; an OS crash or power loss can lose any recent appends, again as a clean
 *   prefix. For tests, caches and data you can rebuild.
 *
 * On PostgreSQL, `always` commits with `synchronous_commit` on, so an acknowledged append is
 * in the server's flushed WAL (and, if the server is configured so, on its synchronous
 * replicas). `interval` and `none` commit with `synchronous_commit = off`: the server's WAL
 * writer flushes within about 3 × `wal_writer_delay` (600 ms by default), and `interval`
 * also forces a flush every `syncInterval`. A crash of the server (not of the client) can
 * then lose the last commits, always whole transactions.
 *
 * An in-memory store (`:memory:`) keeps nothing past `close()` under any policy.
 */
export type Durability = (typeof DURABILITY_POLICIES)[number];
