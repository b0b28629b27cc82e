// SPDX-License-Identifier: GPL-2.0
/*
 * Logic-free C accessors for what the 6.12 kernel crate cannot reach:
 * static inline functions and macros bindgen does not see, structs its
 * bindings lack (struct miscdevice), and the task/cred/mm/file facts the
 * events carry. Every decision stays in Rust (sys.rs declares these and
 * wraps them safely); these only read fields and call kernel functions.
 */
#include <linux/audit.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/tty.h>
#include <linux/binfmts.h>
#include <linux/cgroup.h>
#include <linux/kernfs.h>
#include <asm/syscall.h>

/* The size of each CPU's event ring (a module parameter: 6.12's Rust
 * module! macro has no parameters). Checked in Rust. */
static unsigned long buffer_bytes = 8UL << 20;
module_param(buffer_bytes, ulong, 0444);
MODULE_PARM_DESC(buffer_bytes, "Bytes of event data per CPU ring (a power of two, 64 KiB to 1 GiB; default 8 MiB)");

/* Whether context switches are captured (upstream's sched_switch
 * tracepoint event; off by default: it fires far more often than any
 * syscall). */
static bool sched_switch;
module_param(sched_switch, bool, 0444);
MODULE_PARM_DESC(sched_switch, "Capture context switches (switch events; default off)");

bool falco_param_sched_switch(void);
bool falco_param_sched_switch(void)
{
	return sched_switch;
}

/* A task's thread id (global). */
s64 falco_task_tid(struct task_struct *t);
s64 falco_task_tid(struct task_struct *t)
{
	return t->pid;
}

unsigned long falco_param_buffer_bytes(void);
unsigned long falco_param_buffer_bytes(void)
{
	return buffer_bytes;
}

/* tracepoint_synchronize_unregister() is static inline. */
void falco_tracepoint_sync(void);
void falco_tracepoint_sync(void)
{
	tracepoint_synchronize_unregister();
}

/* raw_smp_processor_id() and nr_cpu_ids are macros. */
unsigned int falco_cpu_id(void);
unsigned int falco_cpu_id(void)
{
	return raw_smp_processor_id();
}

unsigned int falco_nr_cpu_ids(void);
unsigned int falco_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

/* syscall_get_nr / syscall_get_arguments / in_ia32_syscall are inline. */
long falco_syscall_nr(struct pt_regs *regs);
long falco_syscall_nr(struct pt_regs *regs)
{
	return syscall_get_nr(current, regs);
}

void falco_syscall_args(struct pt_regs *regs, unsigned long *args);
void falco_syscall_args(struct pt_regs *regs, unsigned long *args)
{
	syscall_get_arguments(current, regs, args);
}

int falco_in_compat_syscall(void);
int falco_in_compat_syscall(void)
{
	return in_compat_syscall();
}

/* One device per CPU: a miscdevice (not in the 6.12 bindings) that knows
 * its index and the Rust data behind it. */
struct falco_dev {
	struct miscdevice misc;
	char name[16];
	void *data;
	unsigned int index;
};

int falco_dev_create(unsigned int index, const struct file_operations *fops, void *data,
		     struct falco_dev **out);
int falco_dev_create(unsigned int index, const struct file_operations *fops, void *data,
		     struct falco_dev **out)
{
	struct falco_dev *d = kzalloc(sizeof(*d), GFP_KERNEL);
	int err;

	if (!d)
		return -ENOMEM;
	snprintf(d->name, sizeof(d->name), "falco%u", index);
	d->misc.minor = MISC_DYNAMIC_MINOR;
	d->misc.name = d->name;
	d->misc.fops = fops;
	d->misc.mode = 0600;
	d->data = data;
	d->index = index;
	err = misc_register(&d->misc);
	if (err) {
		kfree(d);
		return err;
	}
	*out = d;
	return 0;
}

void falco_dev_destroy(struct falco_dev *d);
void falco_dev_destroy(struct falco_dev *d)
{
	misc_deregister(&d->misc);
	kfree(d);
}

/* misc_open() points private_data at the miscdevice. */
void *falco_file_dev(struct file *f, unsigned int *index);
void *falco_file_dev(struct file *f, unsigned int *index)
{
	struct falco_dev *d = container_of((struct miscdevice *)f->private_data, struct falco_dev, misc);

	*index = d->index;
	return d->data;
}

unsigned long falco_vma_len(struct vm_area_struct *vma);
unsigned long falco_vma_len(struct vm_area_struct *vma)
{
	return vma->vm_end - vma->vm_start;
}

/* The current task's page faults and memory counters (pages). */
struct falco_mem_facts {
	u64 maj_flt, min_flt;
	u64 total_vm, rss_file, rss_anon, rss_shmem, swap_ents;
};

void falco_current_mem(struct falco_mem_facts *m);
void falco_current_mem(struct falco_mem_facts *m)
{
	struct task_struct *t = current;
	struct mm_struct *mm = t->mm;

	memset(m, 0, sizeof(*m));
	m->maj_flt = t->maj_flt;
	m->min_flt = t->min_flt;
	if (!mm)
		return;
	m->total_vm = mm->total_vm;
	m->rss_file = get_mm_counter(mm, MM_FILEPAGES);
	m->rss_anon = get_mm_counter(mm, MM_ANONPAGES);
	m->rss_shmem = get_mm_counter(mm, MM_SHMEMPAGES);
	m->swap_ents = get_mm_counter(mm, MM_SWAPENTS);
}

/* The facts about the current task the process events carry. */
struct falco_task_facts {
	s64 tid, pid, ptid, vtid, vpid, pgid, vpgid;
	u32 ns_level, tty, loginuid, euid, egid, exit_code;
	u64 fdlimit;
	struct falco_mem_facts mem;
	u64 arg_start, arg_end, env_start, env_end;
	u64 cap_inheritable, cap_permitted, cap_effective;
	/* the executable: present, inode number, times, mode, owner, whether
	 * its filesystem is read-only, and the first bytes of its name */
	u32 has_exe, exe_mode, exe_uid, exe_gid, exe_sb_rdonly, pad;
	u64 exe_ino, exe_ctime_ns, exe_mtime_ns;
	char exe_name[8];
	char comm[TASK_COMM_LEN];
};

void falco_current_facts(struct falco_task_facts *f);
void falco_current_facts(struct falco_task_facts *f)
{
	struct task_struct *t = current;
	const struct cred *cred = current_cred();
	struct mm_struct *mm = t->mm;
	struct tty_struct *tty;

	memset(f, 0, sizeof(*f));
	f->tid = t->pid;
	f->pid = t->tgid;
	rcu_read_lock();
	f->ptid = rcu_dereference(t->real_parent)->pid;
	rcu_read_unlock();
	f->vtid = task_pid_vnr(t);
	f->vpid = task_tgid_vnr(t);
	f->pgid = task_pgrp_nr_ns(t, &init_pid_ns);
	f->vpgid = task_pgrp_vnr(t);
	f->ns_level = task_pid(t) ? task_pid(t)->level : 0;
	tty = t->signal ? t->signal->tty : NULL;
	f->tty = tty ? new_encode_dev(tty_devnum(tty)) : 0;
#ifdef CONFIG_AUDIT
	f->loginuid = from_kuid(&init_user_ns, audit_get_loginuid(t));
#else
	f->loginuid = (u32)-1;
#endif
	f->euid = from_kuid_munged(&init_user_ns, cred->euid);
	f->egid = from_kgid_munged(&init_user_ns, cred->egid);
	f->exit_code = t->exit_code;
	f->fdlimit = task_rlimit(t, RLIMIT_NOFILE);
	falco_current_mem(&f->mem);
	f->cap_inheritable = cred->cap_inheritable.val;
	f->cap_permitted = cred->cap_permitted.val;
	f->cap_effective = cred->cap_effective.val;
	memcpy(f->comm, t->comm, sizeof(f->comm));
	if (!mm)
		return;
	f->arg_start = mm->arg_start;
	f->arg_end = mm->arg_end;
	f->env_start = mm->env_start;
	f->env_end = mm->env_end;
	rcu_read_lock();
	{
		struct file *exe = rcu_dereference(mm->exe_file);
		struct inode *ino = exe ? file_inode(exe) : NULL;

		if (ino) {
			struct timespec64 c = inode_get_ctime(ino), m = inode_get_mtime(ino);

			f->has_exe = 1;
			f->exe_ino = ino->i_ino;
			f->exe_ctime_ns = (u64)c.tv_sec * NSEC_PER_SEC + c.tv_nsec;
			f->exe_mtime_ns = (u64)m.tv_sec * NSEC_PER_SEC + m.tv_nsec;
			f->exe_mode = ino->i_mode;
			f->exe_uid = from_kuid_munged(&init_user_ns, ino->i_uid);
			f->exe_gid = from_kgid_munged(&init_user_ns, ino->i_gid);
			f->exe_sb_rdonly = sb_rdonly(ino->i_sb);
			strscpy_pad(f->exe_name, exe->f_path.dentry->d_name.name, sizeof(f->exe_name));
		}
	}
	rcu_read_unlock();
}

/* The current executable's path, at the start of buf (NUL-terminated);
 * returns its length with the NUL, or a negative errno. */
int falco_exe_path(char *buf, int len);
int falco_exe_path(char *buf, int len)
{
	struct mm_struct *mm = current->mm;
	struct file *exe;
	char *p;
	int n = -ENOENT;

	if (!mm)
		return n;
	rcu_read_lock();
	exe = rcu_dereference(mm->exe_file);
	if (exe) {
		p = d_path(&exe->f_path, buf, len);
		if (IS_ERR(p)) {
			n = PTR_ERR(p);
		} else {
			n = buf + len - p;
			memmove(buf, p, n);
		}
	}
	rcu_read_unlock();
	return n;
}

/* The device, inode and f_mode of the current task's descriptor `fd`. */
int falco_fd_facts(int fd, u32 *dev, u64 *ino, u32 *f_mode);
int falco_fd_facts(int fd, u32 *dev, u64 *ino, u32 *f_mode)
{
	struct file *f = fget_raw(fd);
	struct inode *i;

	if (!f)
		return -EBADF;
	i = file_inode(f);
	*dev = new_encode_dev(i->i_sb->s_dev);
	*ino = i->i_ino;
	*f_mode = (__force u32)f->f_mode;
	fput(f);
	return 0;
}

/* The current thread's id and its thread-group id (global). */
void falco_current_ids(s64 *tid, s64 *tgid);
void falco_current_ids(s64 *tid, s64 *tgid)
{
	*tid = current->pid;
	*tgid = current->tgid;
}

/* The file name an exec ran (bprm->filename), from sched_process_exec. */
const char *falco_bprm_filename(struct linux_binprm *bprm);
const char *falco_bprm_filename(struct linux_binprm *bprm)
{
	return bprm->filename;
}

/* "subsys=/path\0" for each cgroup subsystem of the current task, into
 * buf; returns the bytes written (whole entries only). */
int falco_current_cgroups(char *buf, int len);
int falco_current_cgroups(char *buf, int len)
{
	int pos = 0;
#ifdef CONFIG_CGROUPS
	int i;

	rcu_read_lock();
	for (i = 0; i < CGROUP_SUBSYS_COUNT; i++) {
		struct cgroup_subsys_state *css = task_css(current, i);
		int start = pos, n;

		if (!css || !css->cgroup || !css->ss)
			continue;
		n = snprintf(buf + pos, len - pos, "%s=", css->ss->name);
		if (n < 0 || n >= len - pos)
			break;
		pos += n;
		n = kernfs_path(css->cgroup->kn, buf + pos, len - pos);
		if (n < 0 || n >= len - pos) {
			pos = start;
			break;
		}
		pos += n + 1;
	}
	rcu_read_unlock();
#endif
	return pos;
}
