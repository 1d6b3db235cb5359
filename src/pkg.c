/*
 * Importing a SCORM package (DESIGN §4): check every entry of the zip
 * before writing anything, parse and check the manifest, extract into a
 * staging directory while counting the bytes really inflated, then rename
 * it to packages/SHA256 and record it. A failure at any step leaves
 * nothing behind.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/http.h>
#include <openssl/evp.h>
#include <zip.h>

#include "assidu.h"

#define PKG_MAX_ENTRIES		20000
#define PKG_MAX_BYTES		(1024LL * 1024 * 1024)	/* inflated */
#define PKG_MAX_RATIO		200	/* inflated / compressed, per entry */
#define PKG_RATIO_FLOOR		(1024 * 1024)	/* ratios below: ignored */
#define PKG_MAX_MANIFEST	(4 * 1024 * 1024)
#define PKG_MANIFEST		"imsmanifest.xml"

static int
pkg_sha256_file(const char *path, char *hex, char **cause)
{
	unsigned char	 buf[65536], md[32];
	EVP_MD_CTX	*ctx;
	unsigned int	 len;
	ssize_t		 n;
	int		 fd, i;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (xfail(cause, -1, "impossible d'ouvrir %s : %s", path,
		    strerror(errno)));
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		EVP_DigestUpdate(ctx, buf, n);
	close(fd);
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	if (n < 0)
		return (xfail(cause, -1, "lecture de %s : %s", path,
		    strerror(errno)));
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return (0);
}

static int
pkg_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * Every entry, before anything is written: names, kinds, counts and
 * announced sizes. *names gets the sorted names (for lookups).
 */
static int
pkg_check_entries(zip_t *za, char ***names, zip_int64_t *n, char **cause)
{
	zip_stat_t	 st;
	zip_uint8_t	 opsys;
	zip_uint32_t	 attr;
	zip_int64_t	 i;
	long long	 total = 0;
	const char	*name;
	char		*why;

	*n = zip_get_num_entries(za, 0);
	if (*n > PKG_MAX_ENTRIES)
		return (xfail(cause, -1, "trop de fichiers dans le paquet "
		    "(%lld, maximum %d)", (long long)*n, PKG_MAX_ENTRIES));
	*names = xcalloc(*n + 1, sizeof **names);
	for (i = 0; i < *n; i++) {
		name = zip_get_name(za, i, ZIP_FL_ENC_RAW);
		if (name == NULL || *name == '\0')
			return (xfail(cause, -1, "nom de fichier invalide"));
		if (path_check(name, 1, &why) != 0) {
			*cause = why;
			return (-1);
		}
		if (zip_file_get_external_attributes(za, i, 0, &opsys,
		    &attr) == 0 && opsys == ZIP_OPSYS_UNIX &&
		    S_ISLNK((attr >> 16) & 0xffff))
			return (xfail(cause, -1, "« %s » : lien symbolique "
			    "interdit", name));
		if (zip_stat_index(za, i, ZIP_FL_UNCHANGED, &st) != 0)
			return (xfail(cause, -1, "« %s » : entrée illisible",
			    name));
		total += (long long)st.size;
		if (total > PKG_MAX_BYTES)
			return (xfail(cause, -1, "contenu trop volumineux une "
			    "fois décompressé (maximum %lld Mo)",
			    PKG_MAX_BYTES / (1024 * 1024)));
		if (st.size > PKG_RATIO_FLOOR &&
		    st.size / (st.comp_size + 1) > PKG_MAX_RATIO)
			return (xfail(cause, -1, "taux de compression suspect "
			    "pour « %s » (bombe zip ?)", name));
		(*names)[i] = xstrdup(name);
	}
	qsort(*names, *n, sizeof **names, pkg_cmp);
	for (i = 1; i < *n; i++) {
		if (strcmp((*names)[i - 1], (*names)[i]) == 0)
			return (xfail(cause, -1, "« %s » : entrée en double",
			    (*names)[i]));
	}
	return (0);
}

static int
pkg_has(char **names, zip_int64_t n, const char *path)
{
	return (bsearch(&path, names, n, sizeof *names, pkg_cmp) != NULL);
}

static void
pkg_free_names(char **names, zip_int64_t n)
{
	zip_int64_t	 i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Read at most max bytes of one entry into memory. */
static char *
pkg_read_entry(zip_t *za, const char *name, size_t max, size_t *len,
    char **cause)
{
	zip_file_t	*zf;
	char		*buf;
	zip_int64_t	 n;

	if ((zf = zip_fopen(za, name, 0)) == NULL) {
		xfail(cause, -1, "« %s » illisible : %s", name,
		    zip_strerror(za));
		return (NULL);
	}
	buf = xmalloc(max + 1);
	*len = 0;
	while ((n = zip_fread(zf, buf + *len, max + 1 - *len)) > 0) {
		*len += n;
		if (*len > max)
			break;
	}
	zip_fclose(zf);
	if (n < 0 || *len > max) {
		free(buf);
		xfail(cause, -1, n < 0 ? "« %s » illisible" :
		    "« %s » trop volumineux", name);
		return (NULL);
	}
	buf[*len] = '\0';
	return (buf);
}

/* The manifest, at the root, parsed; every file it names is present. */
static int
pkg_check_manifest(zip_t *za, char **names, zip_int64_t n,
    struct manifest **m, char **cause)
{
	zip_int64_t	 i;
	size_t		 len, k, dlen;
	char		*xml, *dec, *slash;
	int		 found;

	if (!pkg_has(names, n, PKG_MANIFEST)) {
		for (i = 0; i < n; i++) {
			slash = strrchr(names[i], '/');
			if (slash != NULL && strcmp(slash + 1,
			    PKG_MANIFEST) == 0)
				return (xfail(cause, -1, "imsmanifest.xml "
				    "trouvé dans « %.*s/ » : il doit être à la "
				    "racine du zip (compressez le contenu du "
				    "dossier, pas le dossier)",
				    (int)(slash - names[i]), names[i]));
		}
		return (xfail(cause, -1, "imsmanifest.xml absent à la racine "
		    "du paquet : ce n'est pas un paquet SCORM"));
	}
	if ((xml = pkg_read_entry(za, PKG_MANIFEST, PKG_MAX_MANIFEST, &len,
	    cause)) == NULL)
		return (-1);
	if (manifest_parse(xml, len, m, cause) != 0) {
		free(xml);
		return (-1);
	}
	free(xml);
	for (k = 0; k < (*m)->nrefs; k++) {
		found = pkg_has(names, n, (*m)->refs[k].path);
		if (!found && (dec = evhttp_uridecode((*m)->refs[k].path, 0,
		    &dlen)) != NULL) {
			found = pkg_has(names, n, dec);
			free(dec);
		}
		if (!found)
			return (xfail(cause, -1, "imsmanifest.xml:%d: « %s » "
			    "est absent du paquet", (*m)->refs[k].line,
			    (*m)->refs[k].path));
	}
	return (0);
}

/* mkdir -p for the parents of rel under dirfd. */
static int
pkg_mkdirs(int root, const char *rel, int last)
{
	char	*p, *s;

	p = xstrdup(rel);
	for (s = p; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdirat(root, p, 0755) != 0 && errno != EEXIST) {
			free(p);
			return (-1);
		}
		*s = '/';
	}
	if (last && *p != '\0' && p[strlen(p) - 1] != '/' &&
	    mkdirat(root, p, 0755) != 0 && errno != EEXIST) {
		free(p);
		return (-1);
	}
	free(p);
	return (0);
}

/* Extract every entry, trusting no announced size. */
static int
pkg_extract(zip_t *za, int root, long long *bytes, zip_int64_t *files,
    char **cause)
{
	char		 buf[65536];
	zip_stat_t	 st;
	zip_file_t	*zf;
	zip_int64_t	 i, n, got;
	long long	 entry;
	const char	*name;
	int		 fd, rc = 0;

	n = zip_get_num_entries(za, 0);
	*bytes = 0;
	*files = 0;
	for (i = 0; i < n && rc == 0; i++) {
		name = zip_get_name(za, i, ZIP_FL_ENC_RAW);
		if (name[strlen(name) - 1] == '/') {
			if (pkg_mkdirs(root, name, 1) != 0)
				rc = xfail(cause, -1, "« %s » : %s", name,
				    strerror(errno));
			continue;
		}
		if (pkg_mkdirs(root, name, 0) != 0 ||
		    (fd = openat(root, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0644)) == -1) {
			rc = xfail(cause, -1, "« %s » : %s", name,
			    strerror(errno));
			break;
		}
		zip_stat_index(za, i, 0, &st);
		if ((zf = zip_fopen_index(za, i, 0)) == NULL) {
			close(fd);
			rc = xfail(cause, -1, "« %s » illisible : %s", name,
			    zip_strerror(za));
			break;
		}
		entry = 0;
		while ((got = zip_fread(zf, buf, sizeof buf)) > 0) {
			entry += got;
			*bytes += got;
			if (entry > (long long)st.size ||
			    *bytes > PKG_MAX_BYTES) {
				rc = xfail(cause, -1, "« %s » : taille réelle "
				    "supérieure à la taille annoncée, ou "
				    "contenu trop volumineux", name);
				break;
			}
			if (write(fd, buf, got) != got) {
				rc = xfail(cause, -1, "écriture de « %s » : %s",
				    name, strerror(errno));
				break;
			}
		}
		if (rc == 0 && got < 0)
			rc = xfail(cause, -1, "« %s » corrompu : %s", name,
			    zip_file_strerror(zf));
		zip_fclose(zf);
		if (rc == 0 && fsync(fd) != 0)
			rc = xfail(cause, -1, "« %s » : %s", name,
			    strerror(errno));
		close(fd);
		(*files)++;
	}
	return (rc);
}

static int
pkg_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	return (remove(path) != 0 && errno != ENOENT ? -1 : 0);
}

static void
pkg_rmtree(const char *dir)
{
	nftw(dir, pkg_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *
pkg_dir(const char *data_dir, const char *sub)
{
	char	*p;

	xasprintf(&p, "%s/%s", data_dir, sub);
	if (mkdir(p, 0750) != 0 && errno != EEXIST) {
		free(p);
		return (NULL);
	}
	return (p);
}

void
pkg_result_clear(struct pkg_result *r)
{
	if (r->stage != NULL)
		pkg_rmtree(r->stage);
	free(r->stage);
	free(r->edition);
	free(r->title);
	free(r->toc);
	memset(r, 0, sizeof *r);
}

/*
 * The slow half, without the database (on a worker thread, or the CLI):
 * hash, check every entry and the manifest, and unless the same bytes are
 * already on disk, extract into a staging directory. Returns ERR_*; *cause
 * is French.
 */
int
pkg_prepare(const char *data_dir, const char *zip_path, const char *title,
    struct pkg_result *r, char **cause)
{
	struct manifest	*m = NULL;
	struct stat	 sb;
	zip_t		*za = NULL;
	char		**names = NULL, *tmp = NULL, *pkgs = NULL, *final;
	json_t		*toc;
	zip_int64_t	 n = 0;
	int		 zerr, root = -1, rc = ERR_INVALID;
	size_t		 i;

	memset(r, 0, sizeof *r);
	if (pkg_sha256_file(zip_path, r->sha256, cause) != 0)
		return (ERR_INVALID);
	if ((za = zip_open(zip_path, ZIP_RDONLY | ZIP_CHECKCONS,
	    &zerr)) == NULL) {
		/* libzip refuses duplicate names itself. */
		if (zerr == ZIP_ER_EXISTS)
			xfail(cause, -1, "le paquet contient une entrée en "
			    "double");
		else
			xfail(cause, -1, "ce fichier n'est pas une archive zip "
			    "valide");
		return (ERR_INVALID);
	}
	if (pkg_check_entries(za, &names, &n, cause) != 0 ||
	    pkg_check_manifest(za, names, n, &m, cause) != 0)
		goto out;
	r->version = m->version;
	r->edition = xstrdup(m->edition);
	r->title = xstrdup(title != NULL && *title != '\0' ? title :
	    m->title != NULL && *m->title != '\0' ? m->title : "Sans titre");
	for (i = 0; i < m->nitems; i++)
		r->scos += m->items[i].href != NULL && m->items[i].sco;
	toc = manifest_json(m);
	r->toc = audit_canonical(toc);
	json_decref(toc);

	rc = ERR_INTERNAL;
	if ((tmp = pkg_dir(data_dir, "tmp")) == NULL ||
	    (pkgs = pkg_dir(data_dir, "packages")) == NULL) {
		xfail(cause, -1, "répertoire de données inutilisable : %s",
		    strerror(errno));
		goto out;
	}
	/* Directories only ever appear whole (rename): no need to redo. */
	xasprintf(&final, "%s/%s", pkgs, r->sha256);
	rc = stat(final, &sb) == 0 && S_ISDIR(sb.st_mode);
	free(final);
	if (rc) {
		rc = ERR_OK;
		goto out;
	}
	rc = ERR_INTERNAL;
	xasprintf(&r->stage, "%s/import-XXXXXX", tmp);
	if (mkdtemp(r->stage) == NULL) {
		free(r->stage);
		r->stage = NULL;
		xfail(cause, -1, "staging : %s", strerror(errno));
		goto out;
	}
	if ((root = open(r->stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		xfail(cause, -1, "staging : %s", strerror(errno));
		goto out;
	}
	if (pkg_extract(za, root, &r->bytes, &r->files, cause) != 0) {
		rc = ERR_INVALID;
		goto out;
	}
	rc = ERR_OK;
out:
	if (root != -1)
		close(root);
	if (za != NULL)
		zip_discard(za);
	pkg_free_names(names, n);
	manifest_free(m);
	free(tmp);
	free(pkgs);
	if (rc != ERR_OK && r->stage != NULL) {
		pkg_rmtree(r->stage);
		free(r->stage);
		r->stage = NULL;
	}
	return (rc);
}

/*
 * The quick half, in the caller's transaction (the writer, or the CLI):
 * install the staged directory as packages/SHA256 and record the package
 * with its audit row. Known bytes change nothing (r->already).
 */
int
pkg_commit(struct db *db, const struct actor *a, const char *data_dir,
    struct pkg_result *r, char **cause)
{
	char	*final, *obj;
	int64_t	 id, now = clock_now_ms();
	int	 rc, moved = 0;

	if ((rc = store_package_exists(db, r->sha256, &r->id, cause)) == -1)
		return (ERR_INTERNAL);
	if (rc == 1) {
		r->already = 1;
		return (ERR_OK);
	}
	xasprintf(&final, "%s/packages/%s", data_dir, r->sha256);
	if (r->stage != NULL) {
		if (rename(r->stage, final) != 0) {
			xfail(cause, -1, "installation du paquet : %s",
			    strerror(errno));
			free(final);
			return (ERR_INTERNAL);
		}
		free(r->stage);
		r->stage = NULL;
		moved = 1;
	}
	rc = ERR_INTERNAL;
	if (store_package_insert(db, r->sha256, r->title, r->version,
	    r->edition, r->toc, r->bytes, r->files, now, a->id, &r->id,
	    cause) == 0) {
		id = r->id;
		xasprintf(&obj, "package:%lld", (long long)id);
		if (audit_append(db, a, "package.import", obj, json_pack(
		    "{s:s,s:s,s:i,s:s,s:I,s:I}", "sha256", r->sha256, "title",
		    r->title, "version", r->version, "edition", r->edition,
		    "bytes", (json_int_t)r->bytes, "files",
		    (json_int_t)r->files), now, cause) == 0)
			rc = ERR_OK;
		free(obj);
	}
	if (rc != ERR_OK && moved)
		pkg_rmtree(final);
	free(final);
	return (rc);
}
