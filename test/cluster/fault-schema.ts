// The models the fault suite writes to: a tag with a unique column and an index (its create claims a unique value
// with an LWT and writes the index entry in the logged batch of the base row), a counter row updated with
// `increment`, and an author with posts (a foreign key: connect and nested create). Credits come from creditsSchema.
import { relations } from 'drizzle-orm'
import { index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core'

export const tag = pgTable(
  'tag',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull().unique(),
    bucket: text('bucket').notNull(),
  },
  (t) => [index('tag_bucket_idx').on(t.bucket)],
)

export const counter = pgTable('counter', {
  id: text('id').primaryKey(),
  hits: integer('hits').notNull().default(0),
})

export const author = pgTable('author', {
  id: uuid('id').primaryKey().defaultRandom(),
  handle: text('handle').notNull().unique(),
})

export const post = pgTable('post', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  authorId: uuid('author_id')
    .notNull()
    .references(() => author.id, { onDelete: 'cascade' }),
})

export const authorRelations = relations(author, ({ many }) => ({ posts: many(post) }))
export const postRelations = relations(post, ({ one }) => ({
  author: one(author, { fields: [post.authorId], references: [author.id] }),
}))
