/*
 * alloc.c - the block and inode bitmaps (fs/ext2/): a free block is
 * searched from a goal (the inode's group, or after its last block)
 * through the groups in turn, an inode in its parent's group (a directory:
 * in the group with the most free inodes); the counts of the group
 * descriptors and the superblock follow every bit. A bitmap that
 * disagrees with its counts or hands out a group's own metadata is
 * reported, not trusted.
 */
#include <keel/errno.h>
#include <keel/string.h>

#include "ext2.h"

static bool test_bit(const uint8_t *map, uint32_t i)
{
	return map[i / 8] & (1u << (i % 8));
}

static void flip_bit(uint8_t *map, uint32_t i)
{
	map[i / 8] ^= (uint8_t)(1u << (i % 8));
}

/* The blocks group g covers (the last group may be short). */
static uint32_t group_blocks(struct ext2_fs *fs, uint32_t g)
{
	uint64_t start = fs->s.s_first_data_block + (uint64_t)g * fs->bpg;

	return (uint32_t)MIN((uint64_t)fs->bpg, fs->blocks - start);
}

/* Is block one of group g's bitmaps or inode table (never data)? */
static bool is_meta(struct ext2_fs *fs, uint32_t g, uint64_t block)
{
	uint64_t it = ext2_group_itable(fs, g),
		 itb = ((uint64_t)fs->ipg * fs->isize) / fs->bsize;

	return block == ext2_group_bitmap(fs, g, false) ||
	       block == ext2_group_bitmap(fs, g, true) ||
	       (block >= it && block < it + itb) ||
	       block <= fs->s.s_first_data_block + fs->desc_blocks;
}

int ext2_alloc_block(struct ext2_fs *fs, uint64_t goal, uint64_t *out)
{
	uint32_t g0 = 0, start = 0;

	if (goal > fs->s.s_first_data_block && goal < fs->blocks) {
		g0 = (uint32_t)((goal - fs->s.s_first_data_block) / fs->bpg);
		start = (uint32_t)((goal - fs->s.s_first_data_block) % fs->bpg);
	}
	for (uint32_t n = 0; n < fs->groups; n++, start = 0) {
		uint32_t g = (g0 + n) % fs->groups, nbits = group_blocks(fs, g);
		struct ext2_group *gd = ext2_group(fs, g);
		struct buf *b;
		int err;

		if (!ext2_group_free(fs, gd, false))
			continue;
		err = ext2_bread(fs, ext2_group_bitmap(fs, g, false), &b);
		if (err)
			return err;
		for (uint32_t k = 0; k < nbits; k++) {
			uint32_t i = (start + k) % nbits;
			uint64_t block = fs->s.s_first_data_block +
					 (uint64_t)g * fs->bpg + i;

			if (test_bit(b->data, i))
				continue;
			flip_bit(b->data, i);
			bcache_dirty(b);
			if (is_meta(fs, g, block)) { /* mark it, never use it */
				ext2_corrupt(fs, "free metadata block", block);
				continue;
			}
			bcache_put(b);
			ext2_group_add(fs, gd, -1, 0, 0);
			*out = block;
			return 0;
		}
		bcache_put(b);
		ext2_corrupt(fs, "free block count of group", g);
	}
	return -ENOSPC;
}

int ext2_free_block(struct ext2_fs *fs, uint64_t block)
{
	uint32_t g, i;
	struct buf *b;
	int err;

	if (block <= fs->s.s_first_data_block || block >= fs->blocks)
		return ext2_corrupt(fs, "freeing a block out of range", block);
	g = (uint32_t)((block - fs->s.s_first_data_block) / fs->bpg);
	i = (uint32_t)((block - fs->s.s_first_data_block) % fs->bpg);
	err = ext2_bread(fs, ext2_group_bitmap(fs, g, false), &b);
	if (err)
		return err;
	if (!test_bit(b->data, i) || is_meta(fs, g, block)) {
		bcache_put(b);
		return ext2_corrupt(fs, "freeing a free or metadata block",
				    block);
	}
	flip_bit(b->data, i);
	bcache_dirty(b);
	bcache_put(b);
	ext2_group_add(fs, ext2_group(fs, g), 1, 0, 0);
	return 0;
}

/* A directory goes to the group with the most free inodes, a file to
 * its directory's group first. */
static uint32_t inode_group(struct ext2_fs *fs, uint32_t near, bool dir)
{
	uint32_t best = (near - 1) / fs->ipg, most = 0;

	if (!dir)
		return best;
	for (uint32_t g = 0; g < fs->groups; g++) {
		struct ext2_group *gd = ext2_group(fs, g);
		uint32_t f = ext2_group_free(fs, gd, true);

		if (f > most && ext2_group_free(fs, gd, false)) {
			most = f;
			best = g;
		}
	}
	return best;
}

int ext2_alloc_inode(struct ext2_fs *fs, uint32_t near, bool dir, uint32_t *out)
{
	uint32_t g0 = inode_group(fs, near, dir);

	for (uint32_t n = 0; n < fs->groups; n++) {
		uint32_t g = (g0 + n) % fs->groups;
		struct ext2_group *gd = ext2_group(fs, g);
		struct buf *b;
		int err;

		if (!ext2_group_free(fs, gd, true))
			continue;
		err = ext2_bread(fs, ext2_group_bitmap(fs, g, true), &b);
		if (err)
			return err;
		for (uint32_t i = 0; i < fs->ipg; i++) {
			uint32_t nr = g * fs->ipg + i + 1;

			if (nr < fs->first_ino || test_bit(b->data, i))
				continue;
			flip_bit(b->data, i);
			bcache_dirty(b);
			bcache_put(b);
			ext2_group_add(fs, gd, 0, -1, dir ? 1 : 0);
			*out = nr;
			return 0;
		}
		bcache_put(b);
		ext2_corrupt(fs, "free inode count of group", g);
	}
	return -ENOSPC;
}

int ext2_free_inode(struct ext2_fs *fs, uint32_t nr, bool dir)
{
	uint32_t g, i;
	struct buf *b;
	int err;

	if (nr < fs->first_ino || nr > fs->s.s_inodes_count)
		return ext2_corrupt(fs, "freeing an inode out of range", nr);
	g = (nr - 1) / fs->ipg;
	i = (nr - 1) % fs->ipg;
	err = ext2_bread(fs, ext2_group_bitmap(fs, g, true), &b);
	if (err)
		return err;
	if (!test_bit(b->data, i)) {
		bcache_put(b);
		return ext2_corrupt(fs, "freeing a free inode", nr);
	}
	flip_bit(b->data, i);
	bcache_dirty(b);
	bcache_put(b);
	ext2_group_add(fs, ext2_group(fs, g), 0, 1, dir ? -1 : 0);
	return 0;
}
