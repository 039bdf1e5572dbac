import type { CourseLevel } from '../courses/course.entity.js';
import type { UserRole } from '../users/user.entity.js';

/** Small deterministic PRNG (mulberry32): the same seed gives the same demo data everywhere. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Dennis',
  'Barbara',
  'Ken',
  'Frances',
  'Guido',
  'Radia',
  'Bjarne',
  'Katherine',
  'James',
  'Hedy',
  'Tim',
];
const LAST_NAMES = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Ritchie',
  'Liskov',
  'Thompson',
  'Allen',
  'Rossum',
  'Perlman',
  'Stroustrup',
  'Johnson',
  'Gosling',
  'Lamarr',
  'Berners-Lee',
];
const SKILLS = [
  'TypeScript',
  'NestJS',
  'PostgreSQL',
  'Redis',
  'Kubernetes',
  'Docker',
  'React',
  'Node.js',
  'GraphQL',
  'System Design',
  'Security',
  'Testing',
  'Go',
  'Rust',
  'Python',
  'AWS',
  'Observability',
  'Career Growth',
];
const TOPICS = [
  'APIs',
  'Databases',
  'Caching',
  'Testing',
  'Deployments',
  'Architecture',
  'Performance',
  'Interviews',
  'Monitoring',
  'Security',
];
const ADJECTIVES = ['Practical', 'Modern', 'Hands-on', 'Advanced', 'Pragmatic', 'Complete', 'Essential', 'Production'];
const LEVELS: CourseLevel[] = ['beginner', 'intermediate', 'advanced'];
const REVIEW_TEXTS = [
  'Clear explanations and great examples.',
  'Helped me ship my first production service.',
  'Good pace, would book again.',
  'Knows the subject deeply, answers were precise.',
  'A bit fast for me, but very useful.',
  'Changed how I think about system design.',
  'Patient and well prepared.',
];

export interface DemoDataSize {
  mentors: number;
  coursesPerMentor: number;
  reviewsPerMentor: number;
  students: number;
}

export const DEFAULT_DEMO_SIZE: DemoDataSize = { mentors: 50, coursesPerMentor: 6, reviewsPerMentor: 20, students: 100 };

export interface UserRow {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  passwordHash: string;
  createdAt: Date;
}
export interface MentorRow {
  id: number;
  userId: number;
  name: string;
  bio: string;
  expertise: string[];
  hourlyRate: number;
  averageRating: number;
  reviewCount: number;
  createdAt: Date;
  updatedAt: Date;
}
export interface CourseRow {
  id: number;
  mentorId: number;
  title: string;
  description: string;
  level: CourseLevel;
  price: number;
  createdAt: Date;
}
export interface ReviewRow {
  id: number;
  mentorId: number;
  authorId: number;
  rating: number;
  text: string;
  createdAt: Date;
}

export interface IdOffsets {
  user: number;
  mentor: number;
  course: number;
  review: number;
}

const EPOCH = Date.UTC(2025, 0, 1);
const DAY_MS = 86_400_000;

/**
 * Yields the demo data set one mentor at a time (with its user, courses and reviews), so a
 * large seed never holds the whole data set in memory. Ids continue after `offsets`.
 */
export function* generateDemoData(
  size: DemoDataSize,
  offsets: IdOffsets,
  passwordHash: string,
): Generator<{ users: UserRow[]; mentor?: MentorRow; courses: CourseRow[]; reviews: ReviewRow[] }> {
  const random = createRandom(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const date = (maxDays: number) => new Date(EPOCH + Math.floor(random() * maxDays * DAY_MS));

  const studentIds: number[] = [];
  const students: UserRow[] = [];
  for (let i = 1; i <= size.students; i++) {
    const id = offsets.user + i;
    studentIds.push(id);
    students.push({
      id,
      email: `student${id}@mentorhub.local`,
      name: `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`,
      role: 'student',
      passwordHash,
      createdAt: date(300),
    });
  }
  yield { users: students, courses: [], reviews: [] };

  let courseId = offsets.course;
  let reviewId = offsets.review;
  for (let m = 1; m <= size.mentors; m++) {
    const userId = offsets.user + size.students + m;
    const mentorId = offsets.mentor + m;
    const name = `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`;
    const expertise = [...new Set([pick(SKILLS), pick(SKILLS), pick(SKILLS)])];
    const createdAt = date(300);
    const user: UserRow = { id: userId, email: `mentor${mentorId}@mentorhub.local`, name, role: 'mentor', passwordHash, createdAt };

    const courses: CourseRow[] = [];
    for (let c = 0; c < size.coursesPerMentor; c++) {
      const topic = pick(TOPICS);
      const skill = pick(expertise);
      courses.push({
        id: ++courseId,
        mentorId,
        title: `${pick(ADJECTIVES)} ${skill} ${topic}`,
        description: `Learn ${topic.toLowerCase()} with ${skill} from ${name}: exercises, code reviews and a final project.`,
        level: pick(LEVELS),
        price: Math.round((19 + random() * 280) * 100) / 100,
        createdAt: date(360),
      });
    }

    const reviews: ReviewRow[] = [];
    let ratingSum = 0;
    // A student reviews a mentor at most once, as the API enforces.
    const authors = new Set<number>();
    while (authors.size < Math.min(size.reviewsPerMentor, studentIds.length)) authors.add(pick(studentIds));
    for (const authorId of authors) {
      const rating = 1 + Math.min(4, Math.floor(random() * 3 + random() * 3));
      ratingSum += rating;
      reviews.push({ id: ++reviewId, mentorId, authorId, rating, text: pick(REVIEW_TEXTS), createdAt: date(365) });
    }

    const mentor: MentorRow = {
      id: mentorId,
      userId,
      name,
      bio: `${name} mentors engineers on ${expertise.join(', ')}.`,
      expertise,
      hourlyRate: Math.round((40 + random() * 160) * 100) / 100,
      averageRating: reviews.length ? Math.round((ratingSum / reviews.length) * 100) / 100 : 0,
      reviewCount: reviews.length,
      createdAt,
      updatedAt: createdAt,
    };
    yield { users: [user], mentor, courses, reviews };
  }
}
