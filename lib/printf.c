/*
 * printf.c - vsnprintf for the kernel (lib/, host-testable).
 * One pass over the format; output is truncated to the buffer but the return
 * value is the full length, as C99 requires, so callers can detect truncation.
 */
#include <keel/printf.h>
#include <keel/string.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero, plus, space, alt;
	bool ptr; /* %p: always 0x-prefixed */
	int width;
	int prec; /* -1: none */
	int length; /* 0, 'H' (hh), 'h', 'l', 'L' (ll) */
};

static void emit_number(struct out *o, const struct spec *sp, uint64_t v,
			bool neg, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	uint64_t orig = v;

	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	/* C: precision 0 with value 0 prints no digits (except "%#o"). */
	int ndigits = n;
	int prec = sp->prec;
	if (prec < 0)
		prec = 1;
	int zeros = prec > ndigits ? prec - ndigits : 0;
	if (base == 8 && sp->alt && zeros == 0 && (n == 0 || tmp[n - 1] != '0'))
		zeros = 1;

	char sign = 0;
	if (neg)
		sign = '-';
	else if (sp->plus)
		sign = '+';
	else if (sp->space)
		sign = ' ';
	const char *prefix = "";
	if (sp->alt && base == 16 && (orig != 0 || sp->ptr))
		prefix = upper ? "0X" : "0x";
	int plen = (int)strlen(prefix) + (sign ? 1 : 0);

	int body = plen + zeros + ndigits;
	int fill = sp->width > body ? sp->width - body : 0;
	/* The '0' flag is ignored when a precision is given. */
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += fill;
		fill = 0;
	}
	if (!sp->left)
		pad(o, ' ', fill);
	if (sign)
		put(o, sign);
	for (const char *p = prefix; *p; p++)
		put(o, *p);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', fill);
}

static void emit_string(struct out *o, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	int len =
	    (int)strnlen(s, sp->prec >= 0 ? (size_t)sp->prec : (size_t)-1);
	int fill = sp->width > len ? sp->width - len : 0;

	if (!sp->left)
		pad(o, ' ', fill);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', fill);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9')
			sp->width = sp->width * 10 + (*f++ - '0');
	}
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				sp->prec = sp->prec * 10 + (*f++ - '0');
		}
	}
	if (*f == 'h') {
		sp->length = 'h';
		if (*++f == 'h') {
			sp->length = 'H';
			f++;
		}
	} else if (*f == 'l') {
		sp->length = 'l';
		if (*++f == 'l') {
			sp->length = 'L';
			f++;
		}
	} else if (*f == 'z' || *f == 't' || *f == 'j') {
		sp->length = 'l';
		f++;
	}
	return f;
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	default:
		return va_arg(*ap, unsigned);
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		char c = *fmt ? *fmt++ : '\0';
		if (c != 'd' && c != 'i') /* '+' and ' ' are for signed only */
			sp.plus = sp.space = false;
		switch (c) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&sp, &args);
			uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
			emit_number(&o, &sp, mag, v < 0, 10, false);
			break;
		}
		case 'u':
			emit_number(&o, &sp, arg_unsigned(&sp, &args), false,
				    10, false);
			break;
		case 'x':
		case 'X':
			emit_number(&o, &sp, arg_unsigned(&sp, &args), false,
				    16, c == 'X');
			break;
		case 'o':
			emit_number(&o, &sp, arg_unsigned(&sp, &args), false, 8,
				    false);
			break;
		case 'p':
			sp.alt = true;
			sp.ptr = true;
			sp.length = 'l';
			emit_number(&o, &sp, (uintptr_t)va_arg(args, void *),
				    false, 16, false);
			break;
		case 'c': {
			char ch[2] = { (char)va_arg(args, int), 0 };
			sp.prec = 1;
			if (!ch[0]) { /* "%c" of NUL still emits one byte */
				int fill = sp.width > 1 ? sp.width - 1 : 0;
				if (!sp.left)
					pad(&o, ' ', fill);
				put(&o, '\0');
				if (sp.left)
					pad(&o, ' ', fill);
				break;
			}
			emit_string(&o, &sp, ch);
			break;
		}
		case 's':
			emit_string(&o, &sp, va_arg(args, const char *));
			break;
		case '%':
			put(&o, '%');
			break;
		default: /* unknown conversion: print it verbatim */
			put(&o, '%');
			if (c)
				put(&o, c);
			break;
		}
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
