/*
 * bmap.c - where a file's blocks are (fs/ext2/): the block map of ext2
 * (12 direct pointers, then single, double and triple indirect blocks),
 * read, extended (allocating near the inode's group) and cut back by
 * truncate (indirect blocks that map nothing any more are freed too);
 * and ext4's extent trees, read only. Every pointer is checked against
 * the file system before it is followed.
 */
#include <keel/errno.h>
#include <keel/string.h>

#include "ext2.h"

uint64_t ext2_max_blocks(struct ext2_fs *fs)
{
	uint64_t p = fs->ptrs;

	return EXT2_NDIR + p + p * p + p * p * p;
}

/* The largest file: the map's reach, kept under 2^32 blocks and 2 TiB
 * (i_blocks counts 512-byte sectors in 32 bits without huge_file). */
uint64_t ext2_max_size(struct ext2_fs *fs)
{
	uint64_t blocks = ext2_max_blocks(fs);

	if (fs->s.s_feature_incompat & INCOMPAT_EXTENTS)
		blocks = 1ULL << 32;
	return MIN(blocks << fs->bshift, 1ULL << 41) - 1;
}

static bool data_block_ok(struct ext2_fs *fs, uint64_t b)
{
	return b > fs->s.s_first_data_block && b < fs->blocks;
}

/* ---- extents (read only) ---- */

static int extent_map(struct inode *ino, uint64_t lblk, uint64_t *out)
{
	struct ext2_inode *ei = EI(ino);
	struct ext2_fs *fs = ei->fs;
	const uint8_t *node = (const uint8_t *)ei->block;
	size_t space = sizeof(ei->block);
	struct buf *b = NULL;
	int depth = -1, err = 0;

	*out = 0;
	if (lblk >= 1ULL << 32)
		return 0;
	for (;;) {
		const struct ext4_extent_header *h = (const void *)node;
		const struct ext4_extent_idx *idx = (const void *)(h + 1);
		const struct ext4_extent *ex = (const void *)(h + 1);
		int found = -1;
		uint64_t next;

		if (h->eh_magic != EXT4_EXT_MAGIC ||
		    h->eh_entries > h->eh_max ||
		    h->eh_max > (space - sizeof(*h)) / 12 ||
		    (depth >= 0 && h->eh_depth != depth) ||
		    h->eh_depth > EXT4_EXT_MAX_DEPTH) {
			err = ext2_corrupt(fs, "extent tree of inode", ei->ino);
			break;
		}
		depth = h->eh_depth;
		if (depth == 0) {
			for (unsigned i = 0; i < h->eh_entries; i++) {
				uint32_t len = ex[i].ee_len;

				if (len > EXT4_EXT_INIT_MAX)
					len -= EXT4_EXT_INIT_MAX;
				if (lblk < ex[i].ee_block ||
				    lblk - ex[i].ee_block >= len)
					continue;
				if (ex[i].ee_len > EXT4_EXT_INIT_MAX)
					break; /* unwritten: reads as zeros */
				next = ((uint64_t)ex[i].ee_start_hi << 32 |
					ex[i].ee_start_lo) +
				       (lblk - ex[i].ee_block);
				if (!data_block_ok(fs, next))
					err = ext2_corrupt(
					    fs, "extent of inode", ei->ino);
				else
					*out = next;
				break;
			}
			break;
		}
		for (unsigned i = 0; i < h->eh_entries; i++)
			if (idx[i].ei_block <= lblk)
				found = (int)i;
		if (found < 0)
			break; /* a hole before the first extent */
		next = (uint64_t)idx[found].ei_leaf_hi << 32 |
		       idx[found].ei_leaf_lo;
		if (b)
			bcache_put(b);
		b = NULL;
		err = ext2_bread(fs, next, &b);
		if (err)
			break;
		node = b->data;
		space = fs->bsize;
		depth--;
	}
	if (b)
		bcache_put(b);
	return err;
}

/* ---- the block map ---- */

/* A new zeroed block for the map (an indirect block), near goal. */
static int new_map_block(struct inode *ino, uint64_t goal, uint32_t *slot)
{
	struct ext2_inode *ei = EI(ino);
	struct buf *b;
	uint64_t nb;
	int err = ext2_alloc_block(ei->fs, goal, &nb);

	if (err)
		return err;
	err = ext2_bzero(ei->fs, nb, &b);
	if (err) {
		ext2_free_block(ei->fs, nb);
		return err;
	}
	bcache_put(b);
	*slot = (uint32_t)nb;
	ei->blocks += ei->fs->bsize >> 9;
	return 0;
}

/* Where a new block of ino goes: after the last one, or in its group. */
static uint64_t goal_of(struct inode *ino, uint64_t prev)
{
	struct ext2_fs *fs = EI(ino)->fs;
	uint32_t g = (EI(ino)->ino - 1) / fs->ipg;

	if (prev)
		return prev + 1;
	return fs->s.s_first_data_block + (uint64_t)g * fs->bpg;
}

/* Where a new block for lblk goes when the file is being appended to:
 * after the block of lblk - 1; else goal_of's answer. */
static uint64_t append_goal(struct inode *ino, uint64_t lblk, uint64_t prev)
{
	uint64_t before = 0;

	if (lblk && !ext2_bmap(ino, lblk - 1, false, &before, NULL) && before)
		return before + 1;
	return goal_of(ino, prev);
}

/*
 * The physical block of lblk (0: a hole). With alloc, a hole is filled
 * (and the indirect blocks on the way): *fresh says the data block is
 * new, for the caller to fill or zero.
 */
int ext2_bmap(struct inode *ino, uint64_t lblk, bool alloc, uint64_t *out,
	      bool *fresh)
{
	struct ext2_inode *ei = EI(ino);
	struct ext2_fs *fs = ei->fs;
	uint64_t p = fs->ptrs, span = 1, idx = lblk, prev = 0;
	uint32_t *slot;
	struct buf *b = NULL;
	int levels, err = 0;

	*out = 0;
	if (fresh)
		*fresh = false;
	if (ei->flags & EXT4_EXTENTS_FL)
		return alloc ? -EROFS : extent_map(ino, lblk, out);
	if (lblk >= ext2_max_blocks(fs))
		return alloc ? -EFBIG : 0;
	if (idx < EXT2_NDIR) {
		levels = 0;
		slot = &ei->block[idx];
	} else if ((idx -= EXT2_NDIR) < p) {
		levels = 1;
		slot = &ei->block[EXT2_IND];
		span = 1;
	} else if ((idx -= p) < p * p) {
		levels = 2;
		slot = &ei->block[EXT2_DIND];
		span = p;
	} else {
		idx -= p * p;
		levels = 3;
		slot = &ei->block[EXT2_TIND];
		span = p * p;
	}
	for (; levels > 0; levels--, span /= p) {
		struct buf *nb;

		if (!*slot) {
			if (!alloc)
				goto out;
			err = new_map_block(ino, append_goal(ino, lblk, prev),
					    slot);
			if (err)
				goto out;
			if (b)
				bcache_dirty(b);
		}
		if (!data_block_ok(fs, *slot)) {
			err = ext2_corrupt(fs, "block map of inode", ei->ino);
			goto out;
		}
		prev = *slot;
		err = ext2_bread(fs, *slot, &nb);
		if (err)
			goto out;
		if (b)
			bcache_put(b);
		b = nb;
		slot = (uint32_t *)b->data + (idx / span) % p;
	}
	if (!*slot && alloc) {
		uint32_t *row = b ? (uint32_t *)b->data : ei->block;
		uint64_t nb, goal;

		/* Appending: right after the block before it (in the same
		 * row of the map, or looked up). */
		if (slot > row && slot[-1] && data_block_ok(fs, slot[-1]))
			goal = (uint64_t)slot[-1] + 1;
		else
			goal = append_goal(ino, lblk, prev);
		err = ext2_alloc_block(fs, goal, &nb);
		if (err)
			goto out;
		*slot = (uint32_t)nb;
		ei->blocks += fs->bsize >> 9;
		if (b)
			bcache_dirty(b);
		if (fresh)
			*fresh = true;
	}
	if (*slot && !data_block_ok(fs, *slot))
		err = ext2_corrupt(fs, "block map of inode", ei->ino);
	else
		*out = *slot;
out:
	if (b)
		bcache_put(b);
	return err;
}

/*
 * Free what *slot maps at level (0: a data block) whose first logical
 * block is base, from logical block first on; *changed when *slot
 * became 0. Recursion is at most three deep.
 */
static int free_tree(struct inode *ino, uint32_t *slot, int level,
		     uint64_t base, uint64_t first, bool *changed)
{
	struct ext2_inode *ei = EI(ino);
	struct ext2_fs *fs = ei->fs;
	uint64_t span = 1, p = fs->ptrs;
	struct buf *b;
	bool dirty = false;
	int err = 0;

	for (int i = 0; i < level; i++)
		span *= p;
	if (!*slot || base + span <= first)
		return 0;
	if (level > 0) {
		uint64_t sub = span / p;

		if (!data_block_ok(fs, *slot))
			return ext2_corrupt(fs, "block map of inode", ei->ino);
		err = ext2_bread(fs, *slot, &b);
		if (err)
			return err;
		for (uint64_t i = 0; i < p && !err; i++)
			err = free_tree(ino, (uint32_t *)b->data + i, level - 1,
					base + i * sub, first, &dirty);
		if (dirty)
			bcache_dirty(b);
		bcache_put(b);
		if (err || base < first)
			return err;
	}
	err = ext2_free_block(fs, *slot); /* a second time: stop there */
	ei->blocks -= MIN(ei->blocks, (uint64_t)(fs->bsize >> 9));
	*slot = 0;
	*changed = true;
	return err;
}

/* Free the blocks of ino from logical block first on (truncate). */
int ext2_free_from(struct inode *ino, uint64_t first)
{
	struct ext2_inode *ei = EI(ino);
	uint64_t p = ei->fs->ptrs, base = EXT2_NDIR, span = p;
	bool changed = false;
	int err = 0;

	if (ei->flags & EXT4_EXTENTS_FL)
		return -EROFS;
	for (uint64_t i = 0; i < EXT2_NDIR; i++)
		err =
		    free_tree(ino, &ei->block[i], 0, i, first, &changed) ?: err;
	for (int level = 1; level <= 3; level++) {
		err = free_tree(ino, &ei->block[EXT2_NDIR + level - 1], level,
				base, first, &changed)
			  ?: err;
		base += span;
		span *= p;
	}
	return err;
}
