import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The `sessions` table. Add it to your DataSource's `entities` to let TypeORM synchronize it,
 * or run `SESSION_MIGRATIONS` instead.
 * The module itself reads and writes it with plain SQL, without hydrating entities.
 */
@Entity({ name: 'sessions' })
@Index('IDX_sessions_user_id_tenant', ['userId', 'tenant'])
export class SessionEntity {
  /** SHA-256 of the session ID, hex: the ID itself is never stored. */
  @PrimaryColumn({ name: 'id_hash', type: 'varchar', length: 64, primaryKeyConstraintName: 'PK_sessions' })
  idHash!: string;

  /** Opaque handle for listings and revocations. */
  @Index('UQ_sessions_handle', { unique: true })
  @Column({ type: 'varchar', length: 32 })
  handle!: string;

  /** Tenant the session belongs to; `''` without multi-tenancy. */
  @Column({ type: 'text', default: '' })
  tenant!: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  data!: Record<string, unknown>;

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

  /** The hash of the ID a renewal replaced, which still finds the session until `previousIdExpiresAt`. */
  @Index('IDX_sessions_previous_id_hash')
  @Column({ name: 'previous_id_hash', type: 'varchar', length: 64, nullable: true })
  previousIdHash!: string | null;

  @Column({ name: 'previous_id_expires_at', type: 'timestamptz', nullable: true })
  previousIdExpiresAt!: Date | null;

  /** When the current ID was issued: creation, login, regeneration or renewal. */
  @Column({ name: 'id_issued_at', type: 'timestamptz' })
  idIssuedAt!: Date;

  /** How many writes the session has had (0 when created): the fence of writes based on a cached copy. */
  @Column({ type: 'integer', default: 0 })
  version!: number;
}
