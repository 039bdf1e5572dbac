import { Course } from './courses/course.entity.js';
import { Mentor } from './mentors/mentor.entity.js';
import { Review } from './reviews/review.entity.js';
import { User } from './users/user.entity.js';

/** The domain's TypeORM entities, handed to DatabaseModule.forRoot by the API and the seed command. */
export const ENTITIES = [User, Mentor, Course, Review];
