import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The `sessions` table. Add it to your DataSource's `entities` to let TypeORM synchronize it,
 * or run {@link CreateSessionsTable1732500000000} (in `SESSION_MIGRATIONS`) instead.
 * The module itself reads and writes it with plain SQL, without hydrating entities.
 */
@Entity({ name: 'sessions' })
export class SessionEntity {
  /** SHA-256 of the session ID, hex: the ID itself is never stored. */
  @PrimaryColumn({ name: 'id_hash', type: 'varchar', length: 64, primaryKeyConstraintName: 'PK_sessions' })
  idHash!: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  data!: Record<string, unknown>;

  @Index('IDX_sessions_user_id')
  @Column({ name: 'user_id', type: 'text', nullable: true })
  userId!: string | null;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  /** Per-session lifetime (remember-me) in milliseconds, or null. */
  @Column({ name: 'lifetime_ms', type: 'bigint', nullable: true })
  lifetimeMs!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_active_at', type: 'timestamptz' })
  lastActiveAt!: Date;

  @Index('IDX_sessions_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'absolute_expires_at', type: 'timestamptz' })
  absoluteExpiresAt!: Date;
}
